#!/usr/bin/env bash
# without-system-fonts.sh runs a command with every folder a font could
# be found in hidden (an empty tmpfs over each, in a mount namespace of its
# own): what fyne would fall back to on another machine is not there, so
# a window test that passes here draws with the window's own font alone.
# Linux only (unshare); as root, or where user namespaces are allowed.
set -euo pipefail

if [ "${1:-}" = "--inside" ]; then
	shift
	for d in /usr/share/fonts /usr/local/share/fonts /usr/X11R6/lib/X11/fonts /usr/share/texmf/fonts/opentype/public; do
		if [ -d "$d" ]; then
			mount -t tmpfs -o size=1m,mode=0755 tmpfs "$d"
		fi
	done
	# The user's own font folders, and fontconfig's, are pointed elsewhere.
	empty=$(mktemp -d)
	export HOME="$empty" XDG_DATA_HOME="$empty" XDG_DATA_DIRS="$empty" XDG_CACHE_HOME="$empty/cache"
	export FONTCONFIG_FILE=/dev/null FONTCONFIG_PATH="$empty"
	if [ -n "${FONTLESS_AS:-}" ]; then
		# Entered through sudo: the command runs as the user again.
		chown -R "$FONTLESS_AS" "$empty"
		exec setpriv --reuid="${FONTLESS_AS%:*}" --regid="${FONTLESS_AS#*:}" --clear-groups "$@"
	fi
	exec "$@"
fi

if [ "$(uname -s)" != Linux ]; then
	echo "without-system-fonts: Linux only (unshare)" >&2
	exit 1
fi
ns=(--mount --propagation private)
# The Go caches stay where they are: the command may build.
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}" GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}" GOPATH="${GOPATH:-$(go env GOPATH)}"
if [ "$(id -u)" = 0 ]; then
	exec unshare "${ns[@]}" "$0" --inside "$@"
fi
# A user's own namespaces, where the system allows them; else through sudo
# (Ubuntu 24.04 restricts unprivileged user namespaces), back to the user
# once the folders are hidden.
if unshare --map-root-user "${ns[@]}" true 2>/dev/null; then
	exec unshare --map-root-user "${ns[@]}" "$0" --inside "$@"
fi
if sudo -n true 2>/dev/null; then
	exec sudo --preserve-env=GOCACHE,GOMODCACHE,GOPATH,PATH FONTLESS_AS="$(id -u):$(id -g)" unshare "${ns[@]}" "$0" --inside "$@"
fi
echo "without-system-fonts: needs root, user namespaces, or sudo to hide the font folders" >&2
exit 1
