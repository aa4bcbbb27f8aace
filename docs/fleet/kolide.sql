-- Kolide (its launcher adds kolide_json): the same from status.json, the
-- whole --json object, flattened to paths such as metering/state.
SELECT path, fullkey, value
FROM kolide_json
WHERE path LIKE '/Users/%/Library/Application Support/Halton Meter Bar/status.json'
  AND fullkey IN ('overall', 'headline', 'metering/state', 'metering/today/cost_usd', 'checked_at', 'version');
