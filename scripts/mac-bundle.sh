#!/usr/bin/env bash
# mac-bundle.sh APP OUT: the bundle on a Mac, as a user opens it, against a
# simulated install: opened with its output kept (OUT/tray.out, tray.err),
# waited for (one process, its first status.json) with a deadline, measured
# at rest (RSS and CPU after a minute), captured (OUT/screen.png), made to
# post an alert (the daemon killed; through UNUserNotificationCenter, as the
# app), then asked to quit through its socket. Whatever fails, the report
# (OUT/mac-report.md) is written and the rest still runs; the exit status
# says whether all went well. The world's folder is kept in OUT/world.dir
# for scripts/mac-collect.sh to tear down. macOS only.
set -uo pipefail
if [ "$(uname -s)" != Darwin ]; then
	echo "mac-bundle: macOS only (this is $(uname -s)): nothing to do"
	exit 0
fi
app=${1:?usage: mac-bundle.sh APP OUT}
out=${2:?usage: mac-bundle.sh APP OUT}
cd "$(dirname "$0")/.." || exit 1
mkdir -p "$out"
report=$out/mac-report.md
failures=0
fail() {
	echo "::error::mac-bundle: $*" >&2
	failures=$((failures + 1))
}
warn() { echo "::warning::mac-bundle: $*" >&2; }

world=$(mktemp -d)/world
echo "$world" >"$out/world.dir"
if ! bin/halton-meter-sim up --dir "$world" --mode apps --owner 0 >"$out/world.env"; then
	fail "the simulated install did not come up"
fi
envs=()
while IFS= read -r kv; do envs+=(--env "$kv"); done <"$out/world.env"

status_json="$HOME/Library/Application Support/Halton Meter Bar/status.json"
rm -f "$status_json"
if ! open --stdout "$out/tray.out" --stderr "$out/tray.err" "${envs[@]}" "$app"; then
	fail "open $app"
fi

# Started: one process (halton-meter-bar became halton-meter-tray, same
# PID) that has written its first status.json.
pattern="Halton Meter Bar.app/Contents/MacOS/halton-meter"
pid="" count=0
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ]; do
	pids=$(pgrep -f "$pattern" || true)
	count=$(echo "$pids" | wc -w | tr -d ' ')
	if [ "$count" -ge 1 ] && [ -s "$status_json" ]; then
		pid=$(echo "$pids" | head -1)
		break
	fi
	sleep 1
done
if [ -z "$pid" ]; then
	fail "the tray was not up within 120 s (processes: ${count:-0}; status.json: $([ -s "$status_json" ] && echo written || echo none))"
else
	ps -o pid,rss,%cpu,comm -p "$(pgrep -f "$pattern" | paste -sd, -)" || true
	[ "$count" -eq 1 ] || fail "$count processes after launch, want 1"
	echo "mac-bundle: up after $SECONDS s (PID $pid): $(grep -o '"overall": "[a-z-]*"' "$status_json" | head -1)"
fi

# At rest for a minute, then measured and captured.
rss=n/a cpu=n/a
if [ -n "$pid" ]; then
	sleep 60
	if read -r r c < <(ps -o rss=,%cpu= -p "$pid"); then
		rss="$((r / 1024)) MB" cpu="$c %"
	else
		fail "the tray (PID $pid) is gone after a minute at rest"
	fi
fi
screencapture -x "$out/screen.png" || warn "screencapture failed (no screen recording here?)"

# An alert, as the app: the daemon killed, past the minute after launch
# in which outages wait. On a runner nobody allowed the app's alerts, so
# the post may be refused; either way the log says which, and the menu's
# "Alerts are off" line follows the permission the log shows.
posted=n/a
if [ -n "$pid" ]; then
	bin/halton-meter-sim fault --dir "$world" daemon-crash || fail "fault daemon-crash"
	deadline=$((SECONDS + 45))
	while [ $SECONDS -lt $deadline ] && ! grep -qE 'alert outage\.daemon posted|notify "Daemon stopped' "$out/tray.err"; do sleep 1; done
	posted=$(grep -oE 'alert outage\.daemon posted|notify "Daemon stopped[^"]*": .*' "$out/tray.err" | head -1)
	[ -n "$posted" ] || fail "no alert for the daemon's crash within 45 s"
	bin/halton-meter-sim heal --dir "$world" || warn "heal"
fi
# Which poster the bundle chose at launch and why: the native center, or
# a script standing in (the reason, and the error, are in the log); and
# whether it started later, at an alert.
via=$(grep -o 'alerts: posted through .*' "$out/tray.err" | head -1)
poster=${via##*: }
why=$(grep -oE 'alerts: .* could not start: .*' "$out/tray.err" | head -1)
later=$(grep -oE 'alerts: now posted through .*' "$out/tray.err" | tail -1)
case "$via" in
*UNUserNotificationCenter*) ;;
*) fail "the bundle does not post as the app: ${via:-no word of it in tray.err}${why:+ ($why)}" ;;
esac
echo "mac-bundle: alerts posted by ${poster:-nobody said}${why:+; $why}${later:+; $later}"
permission=$(grep -oE 'alerts: (on|off|unknown)$' "$out/tray.err" | tail -1)
login=$(grep -o 'start at login: .*' "$out/tray.err" | tail -1)

{
	echo "## The app bundle (macos-15, $(uname -m))"
	echo
	echo "| | |"
	echo "|---|---|"
	echo "| processes after launch | ${count:-0} |"
	echo "| tray RSS after a minute at rest | $rss |"
	echo "| tray CPU (ps) after a minute at rest | $cpu |"
	echo "| poster chosen at launch | ${poster:-not said} (${via:-no word of it in tray.err}) |"
	echo "| why not the app's own | ${why:-it started at launch} |"
	echo "| poster after the alert | ${later:-unchanged} |"
	echo "| permission (UNNotificationSettings) | ${permission:-not read} (off: the menu leads with \"Alerts are off in System Settings\") |"
	echo "| the daemon's crash | ${posted:-nothing} |"
	echo "| Start at Login (SMAppService) | ${login:-not said} |"
	echo
} >>"$report"

# Quit through the socket, as halton-meter-bar --quit does.
if [ -n "$pid" ]; then
	(
		set -a
		# shellcheck disable=SC1091
		. "$out/world.env"
		"$app/Contents/MacOS/halton-meter-bar" --quit
	) || fail "--quit was not answered"
	deadline=$((SECONDS + 15))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
	if kill -0 "$pid" 2>/dev/null; then fail "the tray did not quit within 15 s"; fi
fi

[ "$failures" -eq 0 ] || { echo "mac-bundle: $failures step(s) failed" >&2; exit 1; }
echo "mac-bundle: launched, measured, captured, quit"
