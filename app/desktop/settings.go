package desktop

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Settings are the user's choices, remembered between runs.
type Settings struct {
	Notifications bool `json:"notifications"`
}

// DefaultSettings: notifications on.
var DefaultSettings = Settings{Notifications: true}

// LoadSettings reads settings.json; a missing or unreadable file gives the
// defaults (and the reason, for the log).
func LoadSettings(path string) (Settings, error) {
	s := DefaultSettings
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return DefaultSettings, fmt.Errorf("read settings %s: %w", path, err)
	}
	return s, nil
}

// Save writes settings.json atomically.
func (s Settings) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}
