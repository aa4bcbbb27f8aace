#!/bin/bash
# <swiftbar.title>Halton Meter</swiftbar.title>
# <swiftbar.type>streamable</swiftbar.type>
# <swiftbar.dependencies>jq</swiftbar.dependencies>
# A SwiftBar streamable plugin: the verdict in the menu bar and every row
# below it, redrawn the moment anything changes (halton-meter-bar --watch,
# one JSON line per change). SwiftBar runs it as you, so it checks your own
# install. jq comes with macOS 15; earlier, brew install jq.
bar="${HALTON_BAR:-/Applications/Halton Meter Bar.app/Contents/MacOS/halton-meter-bar}"
"$bar" --watch | while IFS= read -r line; do
	echo "~~~"
	jq -r '
		({"healthy": "#2ea043", "degraded": "#d29922", "down": "#cf222e"}[.overall] // "#8b949e") as $c
		| "HM \(.overall) | color=\($c)",
		  "---",
		  .headline,
		  (.components[] | "\(.component): \(.state) | color=\({"ok": "#2ea043", "warn": "#d29922", "crit": "#cf222e"}[.level] // "#8b949e")")
	' <<<"$line"
done
