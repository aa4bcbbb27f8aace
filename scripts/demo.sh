#!/usr/bin/env bash
# demo.sh brings up a healthy simulated Halton Meter install in a temporary
# folder, runs the app against it, and tears the world down when the app
# exits. Arguments go to halton-meter-bar; DEMO_MODE picks the install mode.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${DEMO_MODE:-apps}
dir=$(mktemp -d "${TMPDIR:-/tmp}/halton-demo.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	bin/halton-meter-sim down --dir "$dir" >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
world=$(bin/halton-meter-sim up --dir "$dir" --mode "$mode" --owner $$)
while IFS= read -r kv; do
	export "${kv?}"
done <<<"$world"
echo "demo: a simulated Halton Meter install ($mode mode) is up in $dir"
echo "demo: from another terminal, send LLM calls through its edge, break it, mend it:"
echo "        bin/halton-meter-sim traffic --dir $dir --requests 5 --prompt-tokens 4000"
echo "        bin/halton-meter-sim fault --dir $dir daemon-crash     (fault --list names them all)"
echo "        bin/halton-meter-sim heal --dir $dir"
if [ $# -eq 0 ] && [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
	echo "demo: no display here for the menu-bar icon: showing the status table instead"
	set -- --table
fi
status=0
bin/halton-meter-bar "$@" || status=$?
exit $status
