package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters. Each stored hash carries its own
// parameters (PHC string format), so they can change without invalidating
// existing passwords; a successful login re-hashes with the current ones.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // passes over the memory
	Threads uint8  // degree of parallelism
	SaltLen uint32 // random salt length in bytes
	KeyLen  uint32 // derived key length in bytes
}

// DefaultParams are the production parameters: OWASP's recommended argon2id
// configuration (19 MiB, 2 passes, 1 lane), a 16-byte salt and a 32-byte key.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// CheapParams make hashing fast for tests. Never use them in production:
// they give almost no protection against offline guessing.
var CheapParams = Params{Memory: 8, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Limits on parameters, checked both when hashing and when parsing a stored
// hash, so a corrupted row cannot make a login allocate gigabytes.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 64
	maxThreads = 64
	maxLen     = 1024
)

// Validate checks that p is usable by argon2id and within sane bounds.
func (p Params) Validate() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("argon2id threads %d: must be 1-%d", p.Threads, maxThreads)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id time %d: must be 1-%d", p.Time, maxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("argon2id memory %d KiB: must be 8×threads-%d", p.Memory, maxMemory)
	case p.SaltLen < 8 || p.SaltLen > maxLen:
		return fmt.Errorf("argon2id salt length %d: must be 8-%d bytes", p.SaltLen, maxLen)
	case p.KeyLen < 16 || p.KeyLen > maxLen:
		return fmt.Errorf("argon2id key length %d: must be 16-%d bytes", p.KeyLen, maxLen)
	}
	return nil
}

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding.Strict()

// hashPassword derives an argon2id key from password with a fresh random
// salt and returns it in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func hashPassword(password string, p Params) (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2Key(password, salt, p)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errHashFormat is wrapped by every parse error of a stored hash.
var errHashFormat = errors.New("malformed password hash")

// parseHash splits a PHC-format argon2id hash into its parameters, salt and
// key. It accepts exactly the form hashPassword writes.
func parseHash(encoded string) (p Params, salt, key []byte, err error) {
	bad := func(format string, args ...any) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: "+format, append([]any{errHashFormat}, args...)...)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=…$m=…,t=…,p=…$salt$key")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm %q is not argon2id", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("version %q is not v=%d", parts[2], argon2.Version)
	}
	var vals [3]uint64
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("parameters %q: want m=…,t=…,p=…", parts[3])
	}
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return bad("parameters %q: want m=…,t=…,p=…", parts[3])
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || (v != "0" && v[0] == '0') {
			return bad("parameter %s=%q is not a number", name, v)
		}
		vals[i] = n
	}
	if vals[2] > maxThreads {
		return bad("parameter p=%d is above %d", vals[2], maxThreads)
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return bad("salt: %v", err)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return bad("key: %v", err)
	}
	p = Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2]),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.Validate(); err != nil {
		return bad("%v", err)
	}
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the encoded hash,
// comparing keys in constant time. It errs only when encoded is malformed.
func verifyPassword(password, encoded string) (bool, error) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2Key(password, salt, p)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// argon2Key derives the argon2id key of password with salt and p.
func argon2Key(password string, salt []byte, p Params) []byte {
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}
