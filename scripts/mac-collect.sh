#!/usr/bin/env bash
# mac-collect.sh OUT: run at the end of every macOS job, whatever happened
# before: keeps in OUT what tells why a step failed (our processes, their
# crash reports and unified log, the simulated install's logs), then quits
# a tray still running and tears down the simulated world a step left
# (build/world.dir). It never fails the job itself. macOS only.
set -u
if [ "$(uname -s)" != Darwin ]; then
	echo "mac-collect: macOS only (this is $(uname -s)): nothing to do"
	exit 0
fi
out=${1:?usage: mac-collect.sh OUT}
cd "$(dirname "$0")/.." || exit 1
mkdir -p "$out"

launchctl managername >"$out/managername.txt" 2>&1
ps axo pid,ppid,rss,%cpu,etime,command >"$out/ps.txt" 2>&1
for dir in "$HOME/Library/Logs/DiagnosticReports" /Library/Logs/DiagnosticReports; do
	find "$dir" -maxdepth 1 \( -name 'halton-meter*' -o -name 'Halton Meter*' \) -mmin -180 -exec cp {} "$out/" \; 2>/dev/null
done
log show --last 5m --style compact --predicate 'process BEGINSWITH "halton-meter"' >"$out/log-show.txt" 2>&1
cp "$HOME/Library/Application Support/Halton Meter Bar/"status.* "$out/" 2>/dev/null

# The simulated world a step left: its logs, then down.
if [ -f build/world.dir ]; then
	world=$(cat build/world.dir)
	mkdir -p "$out/world"
	cp "$world"/run/*.log "$world"/run/*.out "$world"/home/.halton-meter/*.log "$out/world/" 2>/dev/null
fi

# A tray still running is asked to quit, then made to.
pattern="Halton Meter Bar.app/Contents/MacOS/halton-meter"
if pids=$(pgrep -f "$pattern"); then
	for exe in "dist/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar" bin/halton-meter-bar; do
		[ -x "$exe" ] && "$exe" --quit && break
	done
	sleep 3
	echo "$pids" | xargs kill 2>/dev/null
fi
if [ -n "${world:-}" ] && [ -x bin/halton-meter-sim ]; then
	bin/halton-meter-sim down --dir "$world" || echo "mac-collect: the world in $world did not come down cleanly"
fi
ls -la "$out"
exit 0
