# Halton Meter Bar. `make run` runs the app; `make test` runs every test.
# Both install what they need first (scripts/deps.sh).

SHELL   := /bin/bash
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin

# Packages that must build for macOS without cgo (DESIGN.md §1).
PURE_PKGS := ./status/... ./app/monitor/... ./assets/...

FUZZTIME ?= 20s

.PHONY: all build deps run demo screenshots app notarize dmg zip cask split-check test check vet fmt-check darwin-check unit race golden fuzz bench clean

all: build

deps:
	@./scripts/deps.sh

build: deps
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

## run: the app against the real install, or the demo where there is none.
run: build
	@./scripts/run.sh $(ARGS)

## demo: the app against a healthy simulated install, torn down on exit.
demo: build
	@./scripts/demo.sh $(ARGS)

## test: everything CI runs.
test: deps check unit race

check: fmt-check vet darwin-check split-check

## split-check: the tray never links fyne, the details window never links
## getlantern/systray: they cannot share a macOS process (DESIGN.md §1).
split-check:
	@if $(GO) list -deps ./cmd/halton-meter-bar | grep -q '^fyne.io/'; then \
		echo "cmd/halton-meter-bar depends on fyne"; exit 1; fi
	@if $(GO) list -deps ./cmd/halton-meter-details | grep -q '^github.com/getlantern/systray'; then \
		echo "cmd/halton-meter-details depends on getlantern/systray"; exit 1; fi
	@echo "split-check: halton-meter-bar has no fyne, halton-meter-details has no systray"

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

darwin-check:
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) build $(PURE_PKGS)
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) vet $(PURE_PKGS)
	CGO_ENABLED=0 GOOS=darwin GOARCH=amd64 $(GO) build $(PURE_PKGS)

unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -count=1 -race $(PURE_PKGS)

## golden: rewrite the golden files after an intended output change: the
## --json/--table files, and the details window's images and markup (fyne
## writes what it rendered to testdata/failed on a mismatch).
golden:
	$(GO) test ./status/ -run 'TestGolden' -update
	-$(GO) test ./app/details/ -run 'TestRendering' >/dev/null 2>&1
	@if [ -d app/details/testdata/failed ]; then \
		mv app/details/testdata/failed/* app/details/testdata/ && rmdir app/details/testdata/failed; \
		echo "details: golden images and markup rewritten"; fi

## fuzz: run each fuzz target for FUZZTIME.
fuzz:
	@for t in $$($(GO) test ./status/ -list '^Fuzz' | grep ^Fuzz); do \
		echo "== $$t"; $(GO) test ./status/ -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

## screenshots: the details window and the tray's menu under Xvfb against
## the simulator, into docs/screenshots (needs the GL build: minutes cold).
screenshots: build
	./scripts/screenshots.sh

## app, notarize, dmg, zip, cask: the release (packaging/README.md). On a
## Mac: universal binaries, signed (SIGN_IDENTITY) and notarized
## (NOTARY_PROFILE); elsewhere app assembles the layout and the rest say
## they need a Mac.
app notarize dmg zip cask:
	./packaging/release.sh $@

## bench: the engine's benchmarks.
bench:
	$(GO) test ./status/ -run '^$$' -bench . -benchmem

clean:
	rm -rf $(BIN) build dist
