#!/usr/bin/env bash
# deps.sh installs what building and testing need, and nothing when it is
# already there: Debian/Ubuntu packages through apt-get, or on macOS a check
# for the Xcode command line tools. Idempotent; `make test` runs it first.
set -euo pipefail

case "$(uname -s)" in
Darwin)
	if ! xcode-select -p >/dev/null 2>&1; then
		echo "deps: install the Xcode command line tools first: xcode-select --install" >&2
		exit 1
	fi
	exit 0
	;;
Linux) ;;
*)
	echo "deps: unsupported system $(uname -s)" >&2
	exit 1
	;;
esac

# cgo for the tray (GTK, Ayatana appindicator) and the details window (GL,
# X11); Xvfb, xauth and dbus for the GUI tests; imagemagick for screenshots;
# the fleet tools the fleet tests run for real: node_exporter, promtool
# (package prometheus), jq (the SwiftBar recipe), sqlite3 (the osquery
# recipe's SQL); shellcheck for the scripts.
packages=(
	gcc libc6-dev pkg-config
	libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
	libgtk-3-dev libayatana-appindicator3-dev
	xvfb xauth dbus dbus-x11 imagemagick x11-utils
	prometheus-node-exporter prometheus jq sqlite3 shellcheck
)

# `deps.sh screenshots` adds what make screenshots needs.
# `deps.sh bench` adds valgrind (callgrind counts start-up's instructions).
case "${1:-}" in
screenshots) packages+=(xdotool trayer x11-xserver-utils) ;;
bench) packages+=(valgrind) ;;
esac

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing packages and no apt-get: ${missing[*]}" >&2
	exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
	sudo="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
