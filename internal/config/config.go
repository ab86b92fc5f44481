// Package config holds Plumbline's one configuration struct, loaded from the
// environment with defaults, overridden by flags in main, and validated once.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Config is everything the binary can be told.
type Config struct {
	// DB is the database URL: sqlite://PATH (default) or postgres://….
	DB string
	// DataDir holds key material and stored files.
	DataDir string
	// Addr is the HTTP listen address.
	Addr string
	// BaseURL is the public URL of this server, used in QR codes.
	BaseURL string
	// Ledger selects the ledger backend: "embedded" (default) or "fabric".
	Ledger string
	// Fabric configures the Fabric backend (PLUMBLINE_FABRIC_*); used when
	// Ledger is "fabric".
	Fabric Fabric
	// DemoSeed makes the demo data deterministic.
	DemoSeed int64
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// DemoPassword is the password of every demo account.
	DemoPassword string
	// LabelFont is a TrueType font file for printed labels (Chinese names
	// need a CJK font); empty means the first of LabelFonts found.
	LabelFont string
	// WebhookAllowPrivate lets webhook endpoints be on loopback and
	// private addresses (PLUMBLINE_WEBHOOK_ALLOW_PRIVATE=true); off, only
	// public addresses are accepted, against server-side request forgery.
	WebhookAllowPrivate bool
	// LogOrigin names the embedded ledger's log in its checkpoints
	// (PLUMBLINE_LOG_ORIGIN); empty means LogOriginOrDefault's default.
	LogOrigin string
	// Witnesses cosign the embedded ledger's checkpoints
	// (PLUMBLINE_WITNESSES).
	Witnesses []Witness
	// WitnessQuorum is how many witnesses' cosignatures make a checkpoint
	// witnessed (PLUMBLINE_WITNESS_QUORUM; default a majority).
	WitnessQuorum int
}

// LabelFonts are the TrueType fonts with Chinese glyphs looked for when
// PLUMBLINE_LABEL_FONT is unset, in order (Debian's fonts-droid-fallback
// first; the Docker image installs it).
var LabelFonts = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttf",
	"/usr/share/fonts/truetype/arphic/uming.ttf",
}

// Defaults.
const (
	DefaultDB      = "sqlite://./data/plumbline.db"
	DefaultDataDir = "./data"
	DefaultAddr    = ":8080"
	DefaultSeed    = 20260302
	// DefaultDemoPassword is the demo accounts' password unless
	// PLUMBLINE_DEMO_PASSWORD says otherwise.
	DefaultDemoPassword = "plumbline-demo"
)

// Load reads the configuration from the environment through getenv
// (os.Getenv in main, a map in tests), applying defaults. It does not
// validate; call Validate once every override is in.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		DB:       or(getenv("PLUMBLINE_DB"), DefaultDB),
		DataDir:  or(getenv("PLUMBLINE_DATA"), DefaultDataDir),
		Addr:     or(getenv("PLUMBLINE_ADDR"), DefaultAddr),
		BaseURL:  getenv("PLUMBLINE_BASE_URL"),
		Ledger:   or(getenv("PLUMBLINE_LEDGER"), "embedded"),
		DemoSeed: DefaultSeed,
		LogLevel: or(getenv("PLUMBLINE_LOG_LEVEL"), "info"),

		DemoPassword: or(getenv("PLUMBLINE_DEMO_PASSWORD"), DefaultDemoPassword),
		LabelFont:    getenv("PLUMBLINE_LABEL_FONT"),
		Fabric:       loadFabric(getenv),
	}
	if s := getenv("PLUMBLINE_WEBHOOK_ALLOW_PRIVATE"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return c, fmt.Errorf("PLUMBLINE_WEBHOOK_ALLOW_PRIVATE=%q is not true or false", s)
		}
		c.WebhookAllowPrivate = b
	}
	c.LogOrigin = strings.TrimSpace(getenv("PLUMBLINE_LOG_ORIGIN"))
	ws, err := parseWitnesses(getenv("PLUMBLINE_WITNESSES"))
	if err != nil {
		return c, err
	}
	c.Witnesses = ws
	if c.WitnessQuorum, err = parseQuorum(getenv("PLUMBLINE_WITNESS_QUORUM"), len(ws)); err != nil {
		return c, err
	}
	if s := getenv("PLUMBLINE_DEMO_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return c, fmt.Errorf("PLUMBLINE_DEMO_SEED=%q is not a whole number", s)
		}
		c.DemoSeed = n
	}
	return c, nil
}

// Validate checks every field and returns one error per problem, joined,
// each naming the setting and what would be accepted.
func (c *Config) Validate() error {
	var errs []error
	if _, err := Dialect(c.DB); err != nil {
		errs = append(errs, fmt.Errorf("PLUMBLINE_DB: %w", err))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("PLUMBLINE_DATA: must name a folder"))
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("PLUMBLINE_ADDR: %q is not host:port (e.g. :8080 or 127.0.0.1:8080)", c.Addr))
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("PLUMBLINE_ADDR: port %q is not a number from 0 to 65535", port))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("PLUMBLINE_BASE_URL: %q must be an absolute http:// or https:// URL without query, e.g. https://trace.example.com", c.BaseURL))
		}
	}
	switch c.Ledger {
	case "embedded":
	case "fabric":
		errs = append(errs, c.Fabric.validate()...)
	default:
		errs = append(errs, fmt.Errorf("PLUMBLINE_LEDGER: %q is not supported; use embedded or fabric", c.Ledger))
	}
	if len(c.DemoPassword) < 8 {
		errs = append(errs, errors.New("PLUMBLINE_DEMO_PASSWORD: must be at least 8 characters"))
	}
	if c.LabelFont != "" {
		if st, err := os.Stat(c.LabelFont); err != nil || st.IsDir() {
			errs = append(errs, fmt.Errorf("PLUMBLINE_LABEL_FONT: %q is not a readable font file (a .ttf with the glyphs your labels need)", c.LabelFont))
		}
	}
	if c.LogOrigin != "" && (len(c.LogOrigin) > 200 || strings.ContainsAny(c.LogOrigin, " \t\n+")) {
		errs = append(errs, fmt.Errorf("PLUMBLINE_LOG_ORIGIN: %q must be a host and path without spaces or '+', e.g. plumbline.example.com/ledger", c.LogOrigin))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("PLUMBLINE_LOG_LEVEL: %q is not one of debug, info, warn, error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// PublicBaseURL returns BaseURL, or a URL derived from Addr when unset.
func (c *Config) PublicBaseURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func or(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
