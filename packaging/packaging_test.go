package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackmordaunt/icns/v3"
	"howett.net/plist"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		describe, commits, short, build string
		bad                             bool
	}{
		{"v1.2.3", "40", "1.2.3", "40", false},
		{"1.2.3", "40", "1.2.3", "40", false},
		{"v1.2.3-4-gabcdef0", "44", "1.2.3", "44", false},
		{"v1.2.3-4-gabcdef0-dirty", "44", "1.2.3", "44", false},
		{"363662a", "5", "0.0.0", "5", false},
		{"363662a-dirty", "", "0.0.0", "0", false},
		{"v2.0.0-rc1", "9", "0.0.0", "9", false},
		{"", "1", "", "", true},
		{"v1.0.0", "many", "", "", true},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.describe, tt.commits)
		if (err != nil) != tt.bad || (!tt.bad && (v.Short != tt.short || v.Build != tt.build)) {
			t.Errorf("%q %q: %+v %v", tt.describe, tt.commits, v, err)
		}
	}
	v, _ := ParseVersion("v1.2.3", "7")
	if v.Artifact(".zip") != "HaltonMeterBar-1.2.3.zip" {
		t.Errorf("artifact %q", v.Artifact(".zip"))
	}
}

// TestAssemble builds a bundle here and checks what a Mac will read of it.
func TestAssemble(t *testing.T) {
	dir := t.TempDir()
	bar := filepath.Join(dir, "bar")
	details := filepath.Join(dir, "details")
	tray := filepath.Join(dir, "tray")
	os.WriteFile(tray, []byte("#!/bin/sh\necho tray\n"), 0o644)
	os.WriteFile(bar, []byte("#!/bin/sh\necho bar\n"), 0o644)
	os.WriteFile(details, []byte("#!/bin/sh\necho details\n"), 0o644)
	v, _ := ParseVersion("v1.4.2-3-g1234567", "58")
	out := filepath.Join(dir, "dist")
	app, err := Assemble(out, v, bar, tray, details)
	if err != nil {
		t.Fatal(err)
	}
	if app != filepath.Join(out, "Halton Meter Bar.app") {
		t.Errorf("bundle at %s", app)
	}
	var files []string
	filepath.Walk(app, func(p string, info os.FileInfo, err error) error {
		rel, _ := filepath.Rel(app, p)
		if !info.IsDir() {
			files = append(files, rel+" "+info.Mode().Perm().String())
		}
		return nil
	})
	want := []string{
		"Contents/Info.plist -rw-r--r--",
		"Contents/MacOS/halton-meter-bar -rwxr-xr-x",
		"Contents/MacOS/halton-meter-details -rwxr-xr-x",
		"Contents/MacOS/halton-meter-tray -rwxr-xr-x",
		"Contents/PkgInfo -rw-r--r--",
		"Contents/Resources/AppIcon.icns -rw-r--r--",
	}
	if strings.Join(files, "\n") != strings.Join(want, "\n") {
		t.Errorf("layout:\n%s\nwant:\n%s", strings.Join(files, "\n"), strings.Join(want, "\n"))
	}
	if b, _ := os.ReadFile(filepath.Join(app, "Contents", "MacOS", "halton-meter-details")); string(b) != "#!/bin/sh\necho details\n" {
		t.Errorf("details binary %q", b)
	}

	b, err := os.ReadFile(filepath.Join(app, "Contents", "Info.plist"))
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]any
	format, err := plist.Unmarshal(b, &info)
	if err != nil || format != plist.XMLFormat {
		t.Fatalf("Info.plist: format %d, %v", format, err)
	}
	for key, want := range map[string]any{
		"CFBundleIdentifier":         "com.haltonlabs.meter.bar",
		"CFBundleExecutable":         "halton-meter-bar",
		"CFBundleName":               "Halton Meter Bar",
		"CFBundlePackageType":        "APPL",
		"CFBundleShortVersionString": "1.4.2",
		"CFBundleVersion":            "58",
		"CFBundleGetInfoString":      "Halton Meter Bar v1.4.2-3-g1234567",
		"CFBundleIconFile":           "AppIcon",
		"LSUIElement":                true,
		"NSHighResolutionCapable":    true,
		"LSMinimumSystemVersion":     "12.0",
		"NSHumanReadableCopyright":   "© 2026 Halton Labs",
	} {
		if info[key] != want {
			t.Errorf("Info.plist %s = %#v, want %#v", key, info[key], want)
		}
	}

	// Run Doctor opens a .command file in Terminal (app/desktop): no Apple
	// Event, so no usage description, and no automation entitlement when
	// signed with the hardened runtime (release.sh signs with none).
	if _, ok := info["NSAppleEventsUsageDescription"]; ok {
		t.Error("Info.plist declares Apple Events, which nothing sends")
	}
	if script, err := os.ReadFile("release.sh"); err != nil || strings.Contains(string(script), "--entitlements") {
		t.Errorf("release.sh signs with entitlements (%v)", err)
	}

	f, err := os.Open(filepath.Join(app, "Contents", "Resources", "AppIcon.icns"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	descs, err := icns.Probe(f)
	if err != nil {
		t.Fatalf("AppIcon.icns: %v", err)
	}
	sizes := map[uint]bool{}
	for _, d := range descs {
		sizes[d.Size] = true
	}
	// 32 px is the smallest: ic11, the 16 pt slot at 2x; macOS scales it for 1x.
	for _, s := range []uint{32, 64, 128, 256, 512, 1024} {
		if !sizes[s] {
			t.Errorf("AppIcon.icns has no %d px image (has %v)", s, descs)
		}
	}
	f.Seek(0, 0)
	imgs, err := icns.DecodeAll(f)
	if err != nil || len(imgs) < 6 {
		t.Fatalf("decode AppIcon.icns: %d images, %v", len(imgs), err)
	}
	for _, img := range imgs {
		if b := img.Bounds(); b.Dx() != b.Dy() || !sizes[uint(b.Dx())] {
			t.Errorf("an icon of %v", b)
		}
	}

	// Again over the old one: replaced whole, nothing left beside it.
	if _, err := Assemble(out, v, bar, tray, details); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("dist holds %d entries", len(entries))
	}
	if _, err := Assemble(out, v, filepath.Join(dir, "missing"), tray, details); err == nil {
		t.Error("a missing binary must fail")
	}
	if _, err := os.Stat(app); err != nil {
		t.Errorf("a failed assembly removed the good bundle: %v", err)
	}
}

func TestCask(t *testing.T) {
	v, _ := ParseVersion("v1.4.2", "58")
	c := Cask(v, "ab12")
	for _, want := range []string{
		`cask "halton-meter-bar" do`, `version "1.4.2"`, `sha256 "ab12"`,
		`url "https://github.com/haltonlabs/halton-meter-bar/releases/download/v#{version}/HaltonMeterBar-#{version}.zip"`,
		`app "Halton Meter Bar.app"`, `depends_on macos: ">= :monterey"`, `launchctl: "com.haltonlabs.meter.bar"`,
	} {
		if !strings.Contains(c, want) {
			t.Errorf("cask lacks %q:\n%s", want, c)
		}
	}
	if !strings.Contains(Cask(v, ""), "sha256 :no_check") {
		t.Error("no artifact: :no_check")
	}
	zip := filepath.Join(t.TempDir(), "a.zip")
	os.WriteFile(zip, []byte("abc"), 0o644)
	if sum, err := fileSHA256(zip); err != nil || sum != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("sha %q %v", sum, err)
	}
}

func TestRun(t *testing.T) {
	for _, args := range [][]string{{}, {"nope", "--describe", "v1.0.0"}, {"assemble", "--describe", "v1.0.0"}, {"artifact"}} {
		if err := run(args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
