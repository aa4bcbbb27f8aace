#!/usr/bin/env bash
# mac-e2e.sh: halton-meter-bar against the real launchd, launchctl,
# networksetup and preferences.plist of a Mac. It installs the simulator's
# programs as real LaunchAgents under Halton Meter's four real labels in
# this user's gui/<uid> domain, with a real ~/.halton-meter, and checks
# --json: healthy; the daemon SIGKILLed by launchctl; booted out; disabled;
# over ssh localhost (the Background session) when that is open. Everything
# it wrote is booted out and removed on exit, failure or not.
#
# It refuses to run where Halton Meter is installed. Run it on a Mac after
# `make build` (the macos workflow does); on Linux it says so and exits 0.
# MAC_REPORT names a Markdown file it appends its figures to, whatever
# happens; MAC_LOGS a folder the simulated install's logs are kept in.
# A step that fails is counted and said, never the end of the script: the
# report is written and everything is removed on the way out.
set -uo pipefail
if [ "$(uname -s)" != Darwin ]; then
	echo "mac-e2e: macOS only (this is $(uname -s)): nothing to do"
	exit 0
fi
cd "$(dirname "$0")/.." || exit 1

# The LaunchAgents go into gui/<uid>, which only a process of the logged-in
# GUI session (launchd's Aqua session) reaches: from anywhere else,
# bootstrap fails with "5: Input/output error".
session=$(launchctl managername 2>&1)
echo "mac-e2e: launchctl managername: $session"
if [ "$session" != Aqua ]; then
	echo "mac-e2e: this runs in launchd's $session session, not the logged-in GUI session (Aqua): gui/$(id -u) cannot be reached from here; run it from Terminal, or a runner that logs in" >&2
	exit 1
fi
bar=$PWD/bin/halton-meter-bar
sim=$PWD/bin/halton-meter-sim
report=${MAC_REPORT:-/dev/null}
for tool in "$bar" "$sim"; do
	[ -x "$tool" ] || { echo "mac-e2e: $tool is missing: run make build first" >&2; exit 1; }
done
command -v jq >/dev/null || { echo "mac-e2e: jq is missing (macOS 15 has it; brew install jq)" >&2; exit 1; }

uid=$(id -u)
domain=gui/$uid
labels=(com.haltonlabs.meter com.haltonlabs.meter.watchdog com.haltonlabs.meter.edge com.haltonlabs.meter.userenv)
for label in "${labels[@]}"; do
	if launchctl print "$domain/$label" >/dev/null 2>&1 || [ -e "$HOME/Library/LaunchAgents/$label.plist" ]; then
		echo "mac-e2e: Halton Meter is installed here ($label): refusing to touch it" >&2
		exit 1
	fi
done
[ ! -e "$HOME/.halton-meter" ] || { echo "mac-e2e: $HOME/.halton-meter exists: refusing" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mac-e2e.XXXXXX")
world=$work/world
failures=0
median=n/a
finish() {
	{
		echo "## Real launchd (scripts/mac-e2e.sh)"
		echo
		echo "| | |"
		echo "|---|---|"
		echo "| macOS | $(sw_vers -productVersion) ($(uname -m)), launchd session $session |"
		echo "| \`--json\` against the real launchctl, median of 11 | ${median} ms |"
		echo "| over ssh (check 5) | ${ssh_check:-not reached} |"
		echo "| checks failed | ${failures} |"
		echo
	} >>"$report"
	# The install's logs outlive it, for whoever reads why a check failed.
	if [ -n "${MAC_LOGS:-}" ]; then
		mkdir -p "$MAC_LOGS"
		cp "$HOME"/.halton-meter/*.log "$world"/run/*.log "$MAC_LOGS/" 2>/dev/null
	fi
	for label in "${labels[@]}"; do
		launchctl enable "$domain/$label" 2>/dev/null
		launchctl bootout "$domain/$label" 2>/dev/null
	done
	"$sim" unhost --dir "$world" --home "$HOME" || echo "mac-e2e: unhost failed: look in $HOME/Library/LaunchAgents" >&2
	rm -rf "$work"
}
trap finish EXIT

pass() { echo "mac-e2e: ok: $*"; }
fail() {
	echo "mac-e2e: FAIL: $*" >&2
	failures=$((failures + 1))
}
# lc runs launchctl, and counts its failure as a failed check.
lc() {
	local out
	if ! out=$(launchctl "$@" 2>&1); then
		fail "launchctl $*: $out"
		return 1
	fi
}
json() { "$bar" --json --timeout 5s >"$work/last.json" || true; cat "$work/last.json"; }
row() { jq -r --arg c "$1" '.components[] | select(.component == $c) | "\(.state) \(.level) \(.detail)"' "$work/last.json"; }
# until <seconds> <jq condition>: sweeps until the report meets it.
until_report() {
	local deadline=$((SECONDS + $1))
	while [ $SECONDS -lt $deadline ]; do
		json >/dev/null
		if jq -e "$2" "$work/last.json" >/dev/null; then return 0; fi
		sleep 0.5
	done
	return 1
}

if ! "$sim" host --dir "$world" --home "$HOME" --mode apps; then
	fail "halton-meter-sim host"
	exit 1
fi
for label in "${labels[@]}"; do
	lc bootstrap "$domain" "$HOME/Library/LaunchAgents/$label.plist"
done
lc kickstart "$domain/com.haltonlabs.meter"
lc kickstart "$domain/com.haltonlabs.meter.watchdog"

# 1. Healthy, from the real launchctl list and preferences.plist.
if until_report 30 '.overall == "healthy"'; then
	pass "healthy: $(jq -r '.components[] | "\(.component)=\(.state)"' "$work/last.json" | tr '\n' ' ')"
else
	fail "never healthy: $(jq -c '[.components[] | {c: .component, s: .state, d: .detail}]' "$work/last.json")"
fi
if jq -e '.launchd.source == "list" and .sweep.processes_spawned == 1' "$work/last.json" >/dev/null; then
	pass "one launchctl list per sweep"
else
	fail "launchd $(jq -c '.launchd, .sweep' "$work/last.json")"
fi
if jq -e '.system_proxy.source == "preferences.plist"' "$work/last.json" >/dev/null; then
	pass "proxies read from preferences.plist"
else
	fail "system proxy $(jq -c '.system_proxy | {source, source_note}' "$work/last.json")"
fi
cp "$work/last.json" "$work/healthy.json"

# --json's time against the real launchctl: the median of 11 runs.
times=()
for _ in $(seq 11); do
	start=$(perl -MTime::HiRes=time -e 'printf "%.0f", time*1000')
	"$bar" --json >/dev/null || true
	end=$(perl -MTime::HiRes=time -e 'printf "%.0f", time*1000')
	times+=($((end - start)))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 6p)
pass "--json takes ${median} ms (median of 11, real launchctl)"

# 2. The daemon killed by launchd: degraded, the signal in the detail.
lc kill SIGKILL "$domain/com.haltonlabs.meter"
if until_report 15 '.overall == "degraded"'; then
	case "$(row daemon)" in
	*"signal 9"*) pass "daemon killed: $(row daemon)" ;;
	*) fail "daemon killed, but: $(row daemon)" ;;
	esac
else
	fail "not degraded after SIGKILL: $(row daemon)"
fi

# 3. Booted out: not loaded.
lc bootout "$domain/com.haltonlabs.meter"
if until_report 15 '[.components[] | select(.component == "daemon") | .detail | startswith("not loaded")] | any'; then
	pass "booted out: $(row daemon)"
else
	fail "booted out, but: $(row daemon)"
fi

# 4. Disabled (Login Items, launchctl disable): said, and how to undo it.
lc disable "$domain/com.haltonlabs.meter"
if until_report 15 '[.components[] | select(.component == "daemon") | .detail | contains("disabled")] | any'; then
	pass "disabled: $(row daemon) → $(jq -r '.components[] | select(.component == "daemon") | .next_step' "$work/last.json")"
else
	fail "disabled, but: $(row daemon)"
fi
lc enable "$domain/com.haltonlabs.meter"

# 5. Over ssh: a Background session, where launchctl list sees no agents;
# the engine asks launchctl print instead. Only where Remote Login is on.
if ssh -o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=accept-new localhost true 2>/dev/null; then
	over=$(ssh -o BatchMode=yes localhost "'$bar' --json --timeout 5s" || true)
	if jq -e '.launchd.source == "print" and ([.components[] | select(.component == "edge") | .state] == ["healthy"])' <<<"$over" >/dev/null; then
		pass "over ssh: launchd asked with print; the edge healthy"
		ssh_check=passed
	else
		fail "over ssh: $(jq -c '.launchd, [.components[] | {c: .component, s: .state}]' <<<"$over")"
		ssh_check=failed
	fi
else
	ssh_check="skipped: ssh localhost is closed"
	echo "mac-e2e: skipped: ssh localhost is closed here (System Settings → General → Sharing → Remote Login)"
fi

if [ "$failures" -gt 0 ]; then
	echo "mac-e2e: $failures check(s) failed" >&2
	exit 1
fi
echo "mac-e2e: all checks passed"
