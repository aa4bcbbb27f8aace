#!/bin/sh
# Munki admin-provided condition (in /usr/local/munki/conditions): sets
# halton_meter_overall (healthy, degraded, down, unknown, not-installed) for
# manifests, e.g. a conditional item `halton_meter_overall != "healthy"`
# that installs a repair package. managedsoftwareupdate runs it as root; as
# root, halton-meter-bar checks the logged-in user's install.
bar="${HALTON_BAR:-/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar}"
verdict=unknown
if [ -x "$bar" ]; then
	verdict=$("$bar" --format jamf --timeout 5s | sed -n 's|^<result>\(.*\)</result>$|\1|p')
fi
dir=$(defaults read /Library/Preferences/ManagedInstalls ManagedInstallDir 2>/dev/null || echo "/Library/Managed Installs")
defaults write "$dir/ConditionalItems" halton_meter_overall -string "${verdict:-unknown}"
