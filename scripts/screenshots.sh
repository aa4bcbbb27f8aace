#!/usr/bin/env bash
# screenshots.sh takes the README's screenshots for real, under Xvfb,
# against the simulator: the details window (the shipped GL build, fed by
# scripts/feed, which sends a week of LLM calls through the world's edge
# first) healthy and with the daemon crashed, and the tray's menu in a
# minimal panel (trayer). Writes docs/screenshots/*.png.
set -euo pipefail
set -m # background jobs get their own process groups, killed whole below
cd "$(dirname "$0")/.."
./scripts/deps.sh screenshots
out=docs/screenshots
mkdir -p "$out"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/halton-shots.XXXXXX")
jobs_to_kill=()
cleanup() {
	for j in "${jobs_to_kill[@]}"; do kill -- "-$j" 2>/dev/null || true; done
	bin/halton-meter-sim down --dir "$tmp/world" >/dev/null 2>&1 || true
	if [ -n "${DBUS_SESSION_BUS_PID:-}" ]; then kill "$DBUS_SESSION_BUS_PID" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
bg() { "$@" & jobs_to_kill+=($!); }

go build -o "$tmp/" ./scripts/feed

Xvfb -displayfd 3 -screen 0 1400x900x24 -nolisten tcp 3>"$tmp/display" 2>/dev/null &
jobs_to_kill+=($!)
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
DISPLAY=":$(cat "$tmp/display")"
export DISPLAY
eval "$(dbus-launch --sh-syntax)" # a private session bus, no StatusNotifierWatcher on it
export FYNE_SCALE=1 NO_AT_BRIDGE=1
xsetroot -solid '#d8dee9'

bin/halton-meter-sim up --dir "$tmp/world" --mode apps --owner $$ >"$tmp/env"
mapfile -t world <"$tmp/env"

# details <scenario> <theme> <file>
details() {
	bin/halton-meter-sim heal --dir "$tmp/world"
	bg bash -c "'$tmp/feed' --world '$tmp/world' --scenario $1 | env ${world[*]} FYNE_THEME=$2 bin/halton-meter-details"
	local id
	id=$(timeout 60 xdotool search --sync --onlyvisible --name '^Halton Meter$' | head -1)
	sleep 3
	import -window "$id" "$out/$3"
	kill -- "-${jobs_to_kill[-1]}"
	sleep 0.5
	echo "screenshots: $out/$3"
}
details healthy light details-healthy.png
details crash light details-daemon-crashed.png
details crash dark details-daemon-crashed-dark.png

# The tray: with no StatusNotifierWatcher on the bus, the indicator falls
# back to an XEmbed icon, which trayer shows; a click opens the menu.
bin/halton-meter-sim heal --dir "$tmp/world"
bg trayer --edge top --align right --widthtype request --height 32 --SetDockType true --transparent false --tint 0xd8dee9
sleep 1
bg env "${world[@]}" XDG_CONFIG_HOME="$tmp/config" bin/halton-meter-bar --poll-healthy 1s --poll-unhealthy 1s
# A few more calls just now: the menu's spend line shows live traffic.
bin/halton-meter-sim traffic --dir "$tmp/world" --requests 3 --prompt-tokens 6000 >/dev/null
sleep 4
menu() {
	local x y h win
	# trayer has a hidden 10×10 window too: take the one that is the panel.
	for win in $(xdotool search --class trayer); do
		eval "$(xdotool getwindowgeometry --shell "$win")"
		[ "$WIDTH" -gt 10 ] && break
	done
	x=$((X + WIDTH - 16)) y=$((Y + HEIGHT / 2))
	for _ in 1 2 3 4 5; do
		xdotool mousemove "$x" "$y" click 1
		sleep 2
		import -window root "$tmp/root.png"
		convert "$tmp/root.png" -fuzz 2% -trim +repage -bordercolor '#d8dee9' -border 12 "$out/$1"
		h=$(identify -format '%h' "$out/$1")
		[ "$h" -gt 200 ] && break # the menu is open
		xdotool key Escape
	done
	xdotool key Escape
	sleep 0.5
	echo "screenshots: $out/$1"
}
menu tray-menu-healthy.png
bin/halton-meter-sim fault --dir "$tmp/world" daemon-crash
sleep 4
menu tray-menu-daemon-crashed.png
