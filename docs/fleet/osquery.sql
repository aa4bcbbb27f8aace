-- osquery (runs as root): every user's Halton Meter status, from the
-- status.plist the menu-bar app keeps up to date while it runs (a flat
-- copy of status.json; osquery reads plists, not JSON). checked_at older
-- than a few minutes means the app is not running for that user.
SELECT u.username, p.key, p.value
FROM users AS u
CROSS JOIN plist AS p
  ON p.path = u.directory || '/Library/Application Support/Halton Meter Bar/status.plist'
WHERE p.key IN ('overall', 'headline', 'metering_state', 'today_cost_usd', 'checked_at', 'version');
