package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Witness is one witness the server asks to cosign its checkpoints
// (C2SP tlog-witness): its cosignature verifier key and its URL (the
// add-checkpoint endpoint is URL + "/add-checkpoint").
type Witness struct {
	Key string // note verifier key, name+hash+key
	URL string
}

// Name returns the witness's key name.
func (w Witness) Name() string {
	name, _, _ := strings.Cut(w.Key, "+")
	return name
}

// parseWitnesses reads PLUMBLINE_WITNESSES: entries separated by commas
// or newlines, each "<verifier key> <URL>".
func parseWitnesses(s string) ([]Witness, error) {
	var out []Witness
	for _, entry := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		f := strings.Fields(entry)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("PLUMBLINE_WITNESSES: %q is not \"<verifier key> <URL>\" (entries are separated by commas)", strings.TrimSpace(entry))
		}
		if parts := strings.SplitN(f[0], "+", 3); len(parts) != 3 || parts[0] == "" || len(parts[1]) != 8 {
			return nil, fmt.Errorf("PLUMBLINE_WITNESSES: %q is not a note verifier key (name+hash+key, as the witness prints it)", f[0])
		}
		u, err := url.Parse(f[1])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return nil, fmt.Errorf("PLUMBLINE_WITNESSES: %q is not an http:// or https:// URL of a witness", f[1])
		}
		for _, w := range out {
			if w.Name() == strings.SplitN(f[0], "+", 2)[0] {
				return nil, fmt.Errorf("PLUMBLINE_WITNESSES: witness %q is listed twice", w.Name())
			}
		}
		out = append(out, Witness{Key: f[0], URL: strings.TrimRight(f[1], "/")})
	}
	return out, nil
}

// parseQuorum reads PLUMBLINE_WITNESS_QUORUM; empty means a majority of
// the witnesses.
func parseQuorum(s string, witnesses int) (int, error) {
	if strings.TrimSpace(s) == "" {
		return witnesses/2 + 1, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > max(witnesses, 1) {
		return 0, fmt.Errorf("PLUMBLINE_WITNESS_QUORUM: %q must be a whole number from 1 to the number of witnesses (%d)", s, witnesses)
	}
	return n, nil
}

// LogOriginOrDefault returns the log origin the ledger is created with:
// LogOrigin when set, otherwise the host and path of the public base URL
// plus "/ledger" (e.g. plumbline.example.com/ledger). loopback reports
// that the default names a loopback host, which no witness elsewhere can
// tell apart from any other installation's.
func (c *Config) LogOriginOrDefault() (origin string, explicit, loopback bool) {
	if c.LogOrigin != "" {
		return c.LogOrigin, true, false
	}
	u, err := url.Parse(c.PublicBaseURL())
	if err != nil {
		return "localhost/ledger", false, true
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	loopback = host == "localhost" || (ip != nil && ip.IsLoopback())
	if port := u.Port(); port != "" && port != "80" && port != "443" {
		host = net.JoinHostPort(host, port)
	}
	return strings.TrimRight(host+u.EscapedPath(), "/") + "/ledger", false, loopback
}
