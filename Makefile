# Halton Meter Bar. `make run` runs the app; `make test` runs every test.
# Both install what they need first (scripts/deps.sh).

SHELL   := /bin/bash
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
BIN     := bin

# Packages that must build for macOS without cgo (DESIGN.md §1): all but
# the two GUI glues (app/tray, app/details) and their commands.
PURE_PKGS := ./status/... ./internal/... ./app/scheduler/... ./app/monitor/... ./app/history/... ./app/cli/... ./app/action/... ./app/alert/... \
	./app/present/... ./app/fleet/... ./app/desktop/... ./app/details/wire/... ./app/details/model/... ./app/details/child/... \
	./app/details/standalone/... ./assets/... ./cmd/halton-meter-bar/... ./cmd/halton-meter-sim/...

FUZZTIME ?= 20s
BENCH_IDLE ?= 10m

ACTIONLINT ?= v1.7.12

.PHONY: all build deps run demo screenshots app notarize dmg zip cask split-check lint test check vet fmt-check darwin-check unit race fonts golden schema fuzz bench soak soak-crashes clean

all: build

deps:
	@./scripts/deps.sh

# halton-meter-bar is cgo-free and static: --json and --table load no GUI
# library. The tray and the details window need cgo.
build: deps
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/halton-meter-bar ./cmd/halton-meter-sim
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/halton-meter-tray ./cmd/halton-meter-details

## run: the app against the real install, or the demo where there is none.
run: build
	@./scripts/run.sh $(ARGS)

## demo: the app against a healthy simulated install, torn down on exit.
demo: build
	@./scripts/demo.sh $(ARGS)

## test: everything CI runs.
test: deps check unit race fonts

check: fmt-check vet darwin-check split-check lint

## split-check: the tray never links fyne, the details window never links
## getlantern/systray: they cannot share a macOS process (DESIGN.md §1);
## halton-meter-bar, which runs --json and --watch, links neither, nor the
## tray's brain (app/monitor: the policy and the menu model), the actions
## (app/action) or the icons' drawing (assets/draw): it runs the scheduler
## alone; the details window links none of our file and process watchers
## (app/monitor/watch), nor the tray's brain; neither links the native
## macOS services (app/desktop/macos, purego), which are the tray's.
## (fyne's own app package links fsnotify to follow its settings file.)
split-check:
	@for c in halton-meter-bar:'^fyne.io/' halton-meter-tray:'^fyne.io/' \
		halton-meter-details:'^github.com/getlantern/systray' halton-meter-bar:'^github.com/getlantern/systray' \
		halton-meter-bar:'/app/monitor$$' halton-meter-bar:'/app/action$$' halton-meter-bar:'/assets/draw$$' \
		halton-meter-details:'/app/monitor/watch$$' halton-meter-details:'/app/monitor$$'; do \
		cmd=$${c%%:*}; pat=$${c#*:}; \
		if $(GO) list -deps ./cmd/$$cmd | grep -q "$$pat"; then echo "cmd/$$cmd depends on $$pat"; exit 1; fi; \
	done
	@for cmd in halton-meter-bar halton-meter-details; do \
		if CGO_ENABLED=1 GOOS=darwin $(GO) list -deps ./cmd/$$cmd | grep -q -e '/app/desktop/macos$$' -e '^github.com/ebitengine/purego'; then \
			echo "cmd/$$cmd links the native macOS services (purego) on darwin"; exit 1; fi; \
	done
	@echo "split-check: no fyne in halton-meter-bar or halton-meter-tray; no systray in halton-meter-bar or halton-meter-details; no policy, menu model, actions or drawing in halton-meter-bar; no watcher or policy in halton-meter-details; purego in the tray alone"

## lint: the CI workflows (actionlint, which also runs shellcheck on their
## steps) and the shell scripts (shellcheck, where it is installed).
lint:
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT)
	@echo "actionlint: .github/workflows clean"
	@if command -v shellcheck >/dev/null 2>&1; then \
		shellcheck scripts/*.sh packaging/*.sh docs/fleet/*.sh .ci/run && echo "shellcheck: scripts clean"; \
	else echo "shellcheck: not installed, scripts not checked"; fi

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

darwin-check:
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) build $(PURE_PKGS)
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) vet $(PURE_PKGS)
	CGO_ENABLED=0 GOOS=darwin GOARCH=amd64 $(GO) build $(PURE_PKGS)
	CGO_ENABLED=0 GOOS=darwin GOARCH=amd64 $(GO) vet ./app/desktop/macos/... ./app/desktop/notify/...

unit:
	$(GO) test -count=1 ./...

race:
	$(GO) test -count=1 -race $(PURE_PKGS)

## fonts: the details window's rendering, once more with every system font
## hidden (Linux: an empty tmpfs over each font folder, in a mount namespace
## of its own): it must draw with its own font alone, as on any Mac.
fonts:
	@if [ "$$(uname -s)" = Linux ]; then \
		./scripts/without-system-fonts.sh $(GO) test -count=1 ./app/details/ -run '^(TestRendering|TestWindowDrawsWithItsOwnFont)$$' && \
		echo "fonts: the window renders the same with no system font"; \
	else echo "fonts: system fonts are hidden on Linux only; the unit run checked the rendering"; fi

## schema: rewrite docs/status.schema.json from the Go types (status.Report)
## after an intended change, and show what changed. Within v1 the tests
## refuse anything but additions (status/schema).
schema:
	$(GO) test ./status/schema/ -run '^TestSchemaUpToDate$$' -update
	@git --no-pager diff --stat -- docs/status.schema.json

## golden: rewrite the golden --json/--table files after an intended output
## change and show what changed (git diff). The details window's images and
## markup are only compared: fyne writes what it rendered to
## app/details/testdata/failed on a mismatch, and they replace the masters
## only when asked, with `make golden IMAGES=1`.
golden:
	$(GO) test ./status/ -run 'TestGolden' -update
	@git --no-pager diff --stat -- status/testdata/golden; git --no-pager diff -- status/testdata/golden
	@git ls-files --others --exclude-standard -- status/testdata/golden | sed 's/^/new golden file: /'
	@rm -rf app/details/testdata/failed
	@if $(GO) test ./app/details/ -run 'TestRendering' >/dev/null 2>&1; then \
		echo "details: images and markup unchanged"; \
	elif [ ! -d app/details/testdata/failed ]; then \
		echo "details: the rendering test failed without writing a rendering; run go test ./app/details/ -run TestRendering -v"; exit 1; \
	else \
		echo "details: these renderings differ from their masters (see app/details/testdata/failed):"; \
		(cd app/details/testdata/failed && ls); \
		if [ "$(IMAGES)" = 1 ]; then \
			cp app/details/testdata/failed/* app/details/testdata/ && rm -rf app/details/testdata/failed; \
			echo "details: masters replaced (IMAGES=1)"; \
		else \
			echo "details: masters kept; look at them, then run make golden IMAGES=1 to accept"; \
		fi; \
	fi

## fuzz: run each fuzz target for FUZZTIME (the parsers of the engine, of the weeks and
## of the details window's protocol, money, and every output of a report).
fuzz:
	@for pkg in ./status/ ./app/details/wire/ ./app/fleet/ ./internal/week/; do \
		for t in $$($(GO) test $$pkg -list '^Fuzz' | grep ^Fuzz); do \
			echo "== $$pkg $$t"; $(GO) test $$pkg -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; \
		done; \
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

## bench: measure everything docs/performance.md reports, and write it
## (about 12 minutes: the tray runs idle for BENCH_IDLE, 10m by default).
bench: build
	@./scripts/deps.sh bench
	HALTON_BENCH=1 BENCH_IDLE=$(BENCH_IDLE) $(GO) test ./e2e/ -run '^TestBenchReport$$' -count=1 -timeout 60m -v
	@echo "bench: wrote docs/performance.md"

## soak: every week of e2e/testdata/weeks against the simulator and the
## tray's real parts, each judged against its own lines, and the app
## broken on purpose (no grace after a wake, reminders at every poll, no
## withdrawal) to show a week catches each; writes the figures into
## docs/reliability.md. Not part of test (a short week is).
soak: build
	HALTON_WEEKS=1 WEEKS_REPORT=$(CURDIR)/docs/reliability.md $(GO) test ./e2e/ -run '^TestWeeks$$' -count=1 -timeout 120m -v
	@echo "soak: wrote docs/reliability.md"

## soak-crashes: the real tray against a daemon that crashes and heals
## SOAK_CYCLES times (500): RSS, goroutines, and notifications against the
## policy's count; writes build/soak.md for docs/performance.md.
SOAK_CYCLES ?= 500
soak-crashes: build
	@mkdir -p build
	HALTON_SOAK=1 SOAK_CYCLES=$(SOAK_CYCLES) SOAK_REPORT=$(CURDIR)/build/soak.md $(GO) test ./e2e/ -run '^TestSoak$$' -count=1 -timeout 240m -v

clean:
	rm -rf $(BIN) build dist
