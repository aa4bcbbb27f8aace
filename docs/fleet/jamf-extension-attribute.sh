#!/bin/sh
# Jamf Pro extension attribute "Halton Meter": healthy, degraded, down,
# unknown or not-installed. Jamf runs it as root at each inventory update;
# as root, halton-meter-bar checks the logged-in user's install (the owner
# of /dev/console), and says unknown when nobody is logged in.
bar="${HALTON_BAR:-/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar}"
if [ ! -x "$bar" ]; then
	echo "<result>halton-meter-bar missing</result>"
	exit 0
fi
exec "$bar" --format jamf --timeout 5s
