#!/bin/sh
# Kandji custom script (audit): passes while Halton Meter is healthy and
# fails otherwise, with the status table in the log. Kandji runs it as root;
# as root, halton-meter-bar checks the logged-in user's install. The exit
# status is the monitoring-plugin one: 0 healthy, 1 degraded (nothing
# metered), 2 down (traffic at risk), 3 unknown or not installed.
bar="${HALTON_BAR:-/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar}"
[ -x "$bar" ] || { echo "halton-meter-bar missing: $bar"; exit 3; }
NO_COLOR=1 exec "$bar" --table --timeout 5s
