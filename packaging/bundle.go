package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackmordaunt/icns/v3"
	"github.com/nfnt/resize"
	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
)

// Bundle facts.
const (
	AppName    = "Halton Meter Bar"
	BundleID   = "com.haltonlabs.meter.bar"
	Executable = "halton-meter-bar"
	Tray       = "halton-meter-tray"
	Details    = "halton-meter-details"
	MinMacOS   = "12.0"
	Copyright  = "© 2026 Halton Labs"
)

// Version is what git describe says, made into Apple's version strings.
type Version struct {
	Describe string // v1.2.3-4-gabcdef-dirty, as git printed it
	Short    string // CFBundleShortVersionString: 1.2.3 (0.0.0 before the first tag)
	Build    string // CFBundleVersion: the number of commits, an integer
}

var describeRE = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)(?:-\d+-g[0-9a-f]+)?(?:-dirty)?$`)

// ParseVersion reads `git describe --tags --always --dirty` and the commit
// count. Before any tag (a bare hash) the short version is 0.0.0.
func ParseVersion(describe, commits string) (Version, error) {
	v := Version{Describe: strings.TrimSpace(describe), Short: "0.0.0", Build: strings.TrimSpace(commits)}
	if v.Describe == "" {
		return Version{}, errors.New("empty version")
	}
	if m := describeRE.FindStringSubmatch(v.Describe); m != nil {
		v.Short = m[1] + "." + m[2] + "." + m[3]
	}
	if v.Build == "" {
		v.Build = "0"
	}
	if n, err := strconv.Atoi(v.Build); err != nil || n < 0 {
		return Version{}, fmt.Errorf("build number %q is not a count", v.Build)
	}
	return v, nil
}

// Artifact is a release file's name: HaltonMeterBar-1.2.3.zip.
func (v Version) Artifact(ext string) string { return "HaltonMeterBar-" + v.Short + ext }

// InfoPlist is the bundle's Info.plist: an agent app (no Dock icon) for
// macOS 12 and later, sharp on Retina.
func InfoPlist(v Version) map[string]any {
	return map[string]any{
		"CFBundleIdentifier":            BundleID,
		"CFBundleExecutable":            Executable,
		"CFBundleName":                  AppName,
		"CFBundleDisplayName":           AppName,
		"CFBundlePackageType":           "APPL",
		"CFBundleInfoDictionaryVersion": "6.0",
		"CFBundleShortVersionString":    v.Short,
		"CFBundleVersion":               v.Build,
		"CFBundleGetInfoString":         AppName + " " + v.Describe,
		"CFBundleIconFile":              "AppIcon",
		"CFBundleDevelopmentRegion":     "en",
		"LSApplicationCategoryType":     "public.app-category.developer-tools",
		"LSUIElement":                   true,
		"NSHighResolutionCapable":       true,
		"LSMinimumSystemVersion":        MinMacOS,
		"NSHumanReadableCopyright":      Copyright,
	}
}

// AppIcon encodes the app icon as .icns, every size drawn down from 1024 px.
func AppIcon() ([]byte, error) {
	var b bytes.Buffer
	img := image.Image(draw.AppIcon(1024))
	if err := icns.NewEncoder(&b).WithAlgorithm(resize.Lanczos3).Encode(img); err != nil {
		return nil, fmt.Errorf("encode AppIcon.icns: %w", err)
	}
	return b.Bytes(), nil
}

// Assemble writes "Halton Meter Bar.app" in dir from the three binaries:
//
//	Contents/Info.plist
//	Contents/PkgInfo
//	Contents/MacOS/halton-meter-bar       the executable: --json, or it becomes the tray
//	Contents/MacOS/halton-meter-tray      the menu-bar app
//	Contents/MacOS/halton-meter-details   the details window
//	Contents/Resources/AppIcon.icns
//
// It builds beside the destination and renames, so a failed run leaves no
// half bundle.
func Assemble(dir string, v Version, bar, tray, details string) (string, error) {
	app := filepath.Join(dir, AppName+".app")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("assemble: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".bundle-")
	if err != nil {
		return "", fmt.Errorf("assemble: %w", err)
	}
	defer os.RemoveAll(tmp)
	root := filepath.Join(tmp, AppName+".app")
	contents := filepath.Join(root, "Contents")
	for _, d := range []string{"MacOS", "Resources"} {
		if err := os.MkdirAll(filepath.Join(contents, d), 0o755); err != nil {
			return "", fmt.Errorf("assemble: %w", err)
		}
	}
	for src, name := range map[string]string{bar: Executable, tray: Tray, details: Details} {
		if err := copyFile(src, filepath.Join(contents, "MacOS", name), 0o755); err != nil {
			return "", err
		}
	}
	info, err := plist.MarshalIndent(InfoPlist(v), plist.XMLFormat, "\t")
	if err != nil {
		return "", fmt.Errorf("encode Info.plist: %w", err)
	}
	icon, err := AppIcon()
	if err != nil {
		return "", err
	}
	for name, data := range map[string][]byte{
		"Info.plist":             info,
		"PkgInfo":                []byte("APPL????"),
		"Resources/AppIcon.icns": icon,
	} {
		if err := os.WriteFile(filepath.Join(contents, name), data, 0o644); err != nil {
			return "", fmt.Errorf("assemble: %w", err)
		}
	}
	if err := os.RemoveAll(app); err != nil {
		return "", fmt.Errorf("assemble: remove the old bundle: %w", err)
	}
	if err := os.Rename(root, app); err != nil {
		return "", fmt.Errorf("assemble: %w", err)
	}
	return app, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("assemble: %w", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("assemble: %s is not a binary", src)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("assemble: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("assemble: copy %s: %w", filepath.Base(src), err)
	}
	return out.Close()
}
