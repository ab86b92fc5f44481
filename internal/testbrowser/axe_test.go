package testbrowser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadAxe: without axe-core, or with another version, the error says
// how to install the pinned one.
func TestLoadAxe(t *testing.T) {
	dir := t.TempDir()
	if _, err := loadAxe(filepath.Join(dir, "axe.min.js")); err == nil || !strings.Contains(err.Error(), AxeInstall) {
		t.Errorf("missing: %v", err)
	}
	other := filepath.Join(dir, "other.js")
	if err := os.WriteFile(other, []byte("/*! axe v4.9.0\n * Copyright\n */\nwindow.axe = {};"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadAxe(other); err == nil || !strings.Contains(err.Error(), AxeInstall) || !strings.Contains(err.Error(), "is not axe-core "+AxeVersion) {
		t.Errorf("another version: %v", err)
	}
	pinned := filepath.Join(dir, "pinned.js")
	src := "/*! axe v" + AxeVersion + "\n * Copyright\n */\nwindow.axe = {};"
	if err := os.WriteFile(pinned, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := loadAxe(pinned); err != nil || got != src {
		t.Errorf("pinned version: %q %v", got, err)
	}
}
