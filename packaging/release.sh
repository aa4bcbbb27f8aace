#!/usr/bin/env bash
# release.sh app|notarize|dmg|zip|cask — the release steps behind `make app`,
# `make notarize`, `make dmg`, `make zip` and `make cask`. See
# packaging/README.md.
#
# On a Mac, app builds both binaries for arm64 and amd64 with cgo, joins them
# with lipo, assembles the bundle and signs it: ad hoc, or with SIGN_IDENTITY
# (a "Developer ID Application: …" identity) and the hardened runtime.
# Elsewhere it assembles the same layout around this machine's binaries, for
# the tests, and skips the macOS-only steps with a note.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
DIST=${DIST:-dist}
APP="$DIST/Halton Meter Bar.app"
describe=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
commits=$(git rev-list --count HEAD 2>/dev/null || echo 0)
ldflags="-s -w -X main.version=$describe"
artifact() { "$GO" run ./packaging artifact --describe "$describe" --commits "$commits" --ext "$1"; }

mac() { [ "$(uname -s)" = Darwin ]; }
need() {
	command -v "$1" >/dev/null 2>&1 || {
		echo "$step: $1 is missing: $2" >&2
		exit 1
	}
}
skip() {
	echo "$step: skipped: $1 needs a Mac"
	exit 0
}
assemble() {
	"$GO" run ./packaging assemble --out "$DIST" --describe "$describe" --commits "$commits" --bar "$1/halton-meter-bar" --tray "$1/halton-meter-tray" --details "$1/halton-meter-details"
}
# halton-meter-bar is cgo-free, so --json loads no GUI library; the tray and
# the details window need cgo.
build() { # build <dir> [go env…]
	local dir=$1
	shift
	env "$@" CGO_ENABLED=0 "$GO" build -ldflags "$ldflags" -o "$dir/" ./cmd/halton-meter-bar
	env "$@" "$GO" build -ldflags "$ldflags" -o "$dir/" ./cmd/halton-meter-tray ./cmd/halton-meter-details
}

step=${1:-}
case "$step" in
app)
	if ! mac; then
		build build/host
		assemble build/host
		echo "app: not on a Mac: assembled around this machine's binaries; universal binaries (lipo) and signing (codesign) skipped"
		exit 0
	fi
	need xcrun "install the Xcode command line tools: xcode-select --install"
	need lipo "install the Xcode command line tools: xcode-select --install"
	need codesign "install the Xcode command line tools: xcode-select --install"
	export MACOSX_DEPLOYMENT_TARGET=12.0 CGO_ENABLED=1
	for arch in arm64 amd64; do
		carch=$arch
		[ "$arch" = amd64 ] && carch=x86_64
		build "build/$arch" CC="$(xcrun -f clang) -arch $carch" GOOS=darwin GOARCH=$arch
	done
	mkdir -p build/universal
	for bin in halton-meter-bar halton-meter-tray halton-meter-details; do
		lipo -create -output "build/universal/$bin" "build/arm64/$bin" "build/amd64/$bin"
	done
	assemble build/universal
	if [ -n "${SIGN_IDENTITY:-}" ]; then
		sign=(--force --options runtime --timestamp --sign "$SIGN_IDENTITY")
		echo "app: signing with $SIGN_IDENTITY and the hardened runtime"
	else
		sign=(--force --sign -)
		echo "app: signing ad hoc (set SIGN_IDENTITY to sign with a Developer ID)"
	fi
	# Inside out: the helper binaries, then the bundle with its main executable.
	codesign "${sign[@]}" "$APP/Contents/MacOS/halton-meter-tray"
	codesign "${sign[@]}" "$APP/Contents/MacOS/halton-meter-details"
	codesign "${sign[@]}" "$APP"
	codesign --verify --deep --strict --verbose=2 "$APP"
	echo "app: $APP"
	;;
notarize)
	mac || skip "notarization (xcrun notarytool, stapler)"
	need xcrun "install the Xcode command line tools: xcode-select --install"
	[ -d "$APP" ] || { echo "notarize: no $APP: run make app first" >&2; exit 1; }
	[ -n "${SIGN_IDENTITY:-}" ] || { echo "notarize: the app must be signed with a Developer ID: set SIGN_IDENTITY and run make app" >&2; exit 1; }
	if [ -n "${NOTARY_PROFILE:-}" ]; then
		auth=(--keychain-profile "$NOTARY_PROFILE")
	elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
		auth=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
	else
		echo "notarize: set NOTARY_PROFILE (xcrun notarytool store-credentials), or APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD" >&2
		exit 1
	fi
	submission="$DIST/notarize.zip"
	ditto -c -k --keepParent "$APP" "$submission"
	xcrun notarytool submit "$submission" "${auth[@]}" --wait
	xcrun stapler staple "$APP"
	xcrun stapler validate "$APP"
	rm -f "$submission"
	echo "notarize: $APP is notarized and stapled"
	;;
dmg)
	mac || skip "the disk image (hdiutil)"
	need hdiutil "hdiutil ships with macOS"
	[ -d "$APP" ] || { echo "dmg: no $APP: run make app first" >&2; exit 1; }
	out="$DIST/$(artifact .dmg)"
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	ditto "$APP" "$stage/Halton Meter Bar.app"
	ln -s /Applications "$stage/Applications"
	# hdiutil create fails now and then on hosted runners with "Resource
	# busy" (something still holds the staged folder): tried again.
	for attempt in 1 2 3 4 5; do
		if hdiutil create -volname "Halton Meter Bar" -srcfolder "$stage" -ov -format UDZO "$out"; then
			break
		fi
		[ "$attempt" -lt 5 ] || { echo "dmg: hdiutil create failed $attempt times" >&2; exit 1; }
		echo "dmg: hdiutil create failed (attempt $attempt); trying again in $((attempt * 5)) s" >&2
		sleep $((attempt * 5))
	done
	if [ -n "${SIGN_IDENTITY:-}" ]; then
		codesign --force --timestamp --sign "$SIGN_IDENTITY" "$out"
	fi
	echo "dmg: $out"
	;;
zip)
	mac || skip "the zip (ditto keeps the bundle's metadata and signature)"
	need ditto "ditto ships with macOS"
	[ -d "$APP" ] || { echo "zip: no $APP: run make app first" >&2; exit 1; }
	out="$DIST/$(artifact .zip)"
	ditto -c -k --sequesterRsrc --keepParent "$APP" "$out"
	echo "zip: $out"
	;;
cask)
	zip="$DIST/$(artifact .zip)"
	"$GO" run ./packaging cask --describe "$describe" --commits "$commits" --zip "$zip" >packaging/homebrew/halton-meter-bar.rb
	echo "cask: packaging/homebrew/halton-meter-bar.rb ($( [ -f "$zip" ] && echo "sha256 of $zip" || echo "no $zip here: sha256 :no_check"))"
	;;
*)
	echo "usage: packaging/release.sh app|notarize|dmg|zip|cask" >&2
	exit 64
	;;
esac
