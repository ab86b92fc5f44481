package embedded

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
	"github.com/plumbline/plumbline/models"
)

// FormatCheckpoint returns the text of a checkpoint note in the C2SP
// tlog-checkpoint format, with no extension lines:
//
//	<origin>\n<size>\n<base64 root>\n
//
// origin names the log (see Options.Origin) and is the signer's key name.
func FormatCheckpoint(origin string, size uint64, root tlog.Hash) string {
	return fmt.Sprintf("%s\n%d\n%s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]))
}

// formatLegacyCheckpoint is the text ledgers signed before they adopted
// an origin: the C2SP lines and a time extension line (RFC 3339 UTC with
// nanoseconds). Such checkpoints keep verifying; tests write them.
func formatLegacyCheckpoint(origin string, size uint64, root tlog.Hash, t time.Time) string {
	return FormatCheckpoint(origin, size, root) + t.UTC().Format(time.RFC3339Nano) + "\n"
}

// ParseCheckpoint verifies a signed checkpoint note with verifierKeys (one
// note verifier key, or several separated by newlines: every name the log
// has signed under, see Ledger.VerifierKeys) and returns what it says. A
// C2SP checkpoint (origin, size and root lines) has a zero Time; a legacy
// one carries its time line. Any failure wraps models.ErrTampered.
func ParseCheckpoint(signed, verifierKeys string) (ledger.Checkpoint, error) {
	cp, err := newNoteKey(strings.Split(strings.TrimSpace(verifierKeys), "\n")...).parse([]byte(signed))
	if err != nil {
		return ledger.Checkpoint{}, err
	}
	cp.Note = signed
	return cp, nil
}

// noteKey is a parsed set of checkpoint verifier keys, made once for many
// notes.
type noteKey struct {
	vs  note.Verifiers
	err error // why a key does not parse
}

func newNoteKey(verifierKeys ...string) noteKey {
	var vs []note.Verifier
	for _, k := range verifierKeys {
		v, err := note.NewVerifier(strings.TrimSpace(k))
		if err != nil {
			return noteKey{err: fmt.Errorf("checkpoint verifier key: %w", err)}
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return noteKey{err: errors.New("no checkpoint verifier key")}
	}
	return noteKey{vs: note.VerifierList(vs...)}
}

// parse is ParseCheckpoint without the Note field, which is left empty.
func (k noteKey) parse(signed []byte) (ledger.Checkpoint, error) {
	if k.err != nil {
		return ledger.Checkpoint{}, k.err
	}
	n, err := note.Open(signed, k.vs)
	if err != nil {
		return ledger.Checkpoint{}, fmt.Errorf("checkpoint signature: %v: %w", err, models.ErrTampered)
	}
	// The origin line names the signer: one key signs under every name the
	// log had, so a signature line renamed to another of them still
	// verifies, and only the one whose name is the origin counts.
	lines := strings.Split(n.Text, "\n")
	name := ""
	for _, s := range n.Sigs {
		if s.Name == lines[0] {
			name = s.Name
		}
	}
	if name == "" {
		return ledger.Checkpoint{}, fmt.Errorf("checkpoint of %q is not signed under that name: %w", lines[0], models.ErrTampered)
	}
	if (len(lines) != 4 && len(lines) != 5) || lines[len(lines)-1] != "" || lines[0] != name {
		return ledger.Checkpoint{}, fmt.Errorf("checkpoint text is not origin, size and root lines of %q: %w", name, models.ErrTampered)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return ledger.Checkpoint{}, fmt.Errorf("checkpoint size %q: %w", lines[1], models.ErrTampered)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return ledger.Checkpoint{}, fmt.Errorf("checkpoint root %q: %w", lines[2], models.ErrTampered)
	}
	cp := ledger.Checkpoint{Origin: name, Size: size, Root: root}
	if len(lines) == 5 {
		t, err := time.Parse(time.RFC3339Nano, lines[3])
		if err != nil {
			return ledger.Checkpoint{}, fmt.Errorf("checkpoint time %q: %w", lines[3], models.ErrTampered)
		}
		cp.Time = t.UTC()
	}
	return cp, nil
}

// signCheckpoint signs the checkpoint of a tree of size records in the C2SP
// format under the log's origin. t, the time of the tree's last entry, is
// stored beside it (and checked by Verify against that entry), not signed.
func (l *Ledger) signCheckpoint(size uint64, root tlog.Hash, t time.Time) (ledger.Checkpoint, error) {
	return signCheckpointAs(l.signer, size, root, t)
}

func signCheckpointAs(s *keys.NamedSigner, size uint64, root tlog.Hash, t time.Time) (ledger.Checkpoint, error) {
	msg, err := note.Sign(&note.Note{Text: FormatCheckpoint(s.Name(), size, root)}, s)
	if err != nil {
		return ledger.Checkpoint{}, fmt.Errorf("sign checkpoint: %w", err)
	}
	return ledger.Checkpoint{Origin: s.Name(), Size: size, Root: append([]byte(nil), root[:]...), Note: string(msg), Time: time.Unix(0, t.UnixNano()).UTC()}, nil
}

// Checkpoint returns the latest signed checkpoint. An empty ledger answers
// with a freshly signed checkpoint of size 0 (the SHA-256 of nothing).
func (l *Ledger) Checkpoint(ctx context.Context) (ledger.Checkpoint, error) {
	if l.isClosed() {
		return ledger.Checkpoint{}, ledger.ErrClosed
	}
	if cp := l.latest.Load(); cp != nil {
		return *cp, nil
	}
	cp, err := l.latestCheckpoint(ctx)
	if errors.Is(err, models.ErrNotFound) {
		root, _ := tlog.TreeHash(0, nil)
		return l.signCheckpoint(0, root, l.now())
	}
	return cp, err
}

// CheckpointAt returns the checkpoint signed at exactly size entries. When
// none was, the error wraps models.ErrNotFound and names the nearest sizes
// that were signed.
func (l *Ledger) CheckpointAt(ctx context.Context, size uint64) (ledger.Checkpoint, error) {
	if l.isClosed() {
		return ledger.Checkpoint{}, ledger.ErrClosed
	}
	cp, err := readCheckpoint(ctx, l.db, `SELECT size, root, time_ns, note FROM ledger_checkpoints WHERE size = `+l.d.ph(1), int64(size))
	if !errors.Is(err, models.ErrNotFound) {
		return cp, err
	}
	var below, above sql.NullInt64
	if err := l.db.QueryRowContext(ctx, `SELECT MAX(size) FROM ledger_checkpoints WHERE size < `+l.d.ph(1), int64(size)).Scan(&below); err != nil {
		return cp, fmt.Errorf("read checkpoints: %w", err)
	}
	if err := l.db.QueryRowContext(ctx, `SELECT MIN(size) FROM ledger_checkpoints WHERE size > `+l.d.ph(1), int64(size)).Scan(&above); err != nil {
		return cp, fmt.Errorf("read checkpoints: %w", err)
	}
	var near []string
	if below.Valid {
		near = append(near, strconv.FormatInt(below.Int64, 10))
	}
	if above.Valid {
		near = append(near, strconv.FormatInt(above.Int64, 10))
	}
	if len(near) == 0 {
		return cp, models.NotFound("size", "no checkpoint was signed at size %d; none is signed yet", size)
	}
	return cp, models.NotFound("size", "no checkpoint was signed at size %d; the nearest signed sizes are %s", size, strings.Join(near, " and "))
}

// latestCheckpoint reads the newest stored checkpoint.
func (l *Ledger) latestCheckpoint(ctx context.Context) (ledger.Checkpoint, error) {
	return readCheckpoint(ctx, l.db, `SELECT size, root, time_ns, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`)
}

func readCheckpoint(ctx context.Context, db querier, q string, args ...any) (ledger.Checkpoint, error) {
	var cp ledger.Checkpoint
	var ns int64
	err := db.QueryRowContext(ctx, q, args...).Scan(&cp.Size, &cp.Root, &ns, &cp.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return cp, fmt.Errorf("checkpoint: %w", models.ErrNotFound)
	}
	if err != nil {
		return cp, fmt.Errorf("read checkpoint: %w", err)
	}
	cp.Time = time.Unix(0, ns).UTC()
	cp.Origin, _, _ = strings.Cut(cp.Note, "\n")
	return cp, nil
}
