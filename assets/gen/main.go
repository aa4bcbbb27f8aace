// Command gen draws the app's icons into assets/icons: `go generate ./assets`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/haltonlabs/halton-meter-bar/assets/draw"
)

func main() {
	dir := "icons"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for name, b := range draw.Files() {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
