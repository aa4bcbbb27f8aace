#!/usr/bin/env bash
# run.sh runs the app against the real Halton Meter install, or, where there
# is none, against a simulated one (scripts/demo.sh), and says which.
set -euo pipefail
cd "$(dirname "$0")/.."
home=${HALTON_METER_HOME:-$HOME/.halton-meter}
if [ -f "$home/install-mode" ]; then
	echo "run: Halton Meter found at $home"
	exec bin/halton-meter-bar "$@"
fi
echo "run: no Halton Meter install at $home: running the demo on a simulated install"
exec ./scripts/demo.sh "$@"
