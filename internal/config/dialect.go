package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Database dialects a PLUMBLINE_DB URL selects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Dialect returns the dialect a database URL selects, or an error naming
// the accepted forms. internal/dbx opens the database by the same rule.
func Dialect(dbURL string) (string, error) {
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		if strings.TrimPrefix(dbURL, "sqlite://") == "" {
			return "", fmt.Errorf("database URL %q has no file path (e.g. sqlite://./data/plumbline.db)", dbURL)
		}
		return SQLite, nil
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		if _, err := url.Parse(dbURL); err != nil {
			return "", fmt.Errorf("database URL is not a valid postgres:// URL: %w", err)
		}
		return Postgres, nil
	}
	return "", fmt.Errorf("database URL %q must start with sqlite:// or postgres://", dbURL)
}
