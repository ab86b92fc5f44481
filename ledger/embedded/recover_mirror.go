package embedded

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	"gorm.io/gorm"

	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/contract"
	"github.com/plumbline/plumbline/ledger/embedded/keys"
	"github.com/plumbline/plumbline/models"
)

// MirrorOptions configures RecoverFromMirror.
type MirrorOptions struct {
	// DB and KeyDir are the ledger to recover into, as in RecoverOptions.
	DB     *gorm.DB
	KeyDir string
	// URL is another Plumbline server publishing this log (a replica or a
	// mirror): its /ledger/checkpoint, hash tiles and entry bundles, and
	// /api/v1/ledger/entries/{seq}/proof.
	URL string
	// Token is an API token on that server (Bearer), of an authority:
	// bundles holding private v1 entries and the openings of v2 entries'
	// private fields are given only to those who may read them.
	Token string
	// HTTPClient fetches from URL; nil means a client with a timeout.
	HTTPClient *http.Client
	// Progress and VerifyProgress are as in RecoverOptions.
	Progress       func(done, total uint64)
	VerifyProgress func(done, total uint64)
}

// RecoverFromMirror is Recover from another server's published log
// instead of a database copy. The server's latest checkpoint must verify
// with this ledger's key (ErrNotThisLog otherwise) and be larger than the
// ledger (ErrNothingToRecover otherwise); its tree, read from its hash
// tiles and checked against that checkpoint, must have this ledger's root
// at this ledger's size (ErrForked otherwise). The missing entries are
// read from its entry bundles, each proven in the signed tree, and what
// an entry does not hold is rebuilt here: the organization certificate
// (from the proof API, checked against this ledger's CA), the full
// arguments of a v2 entry (its openings, from the proof API, checked
// against its commitments) and the writes, by running the contract again
// on this ledger's world state in order; the writes must hash to a v2
// entry's digest or equal a v1 entry's. Entries, their hashes, writes,
// openings, world state, idempotency keys, certificates and the server's
// checkpoint (without its cosignatures) go in in one transaction, after
// every check; then the whole ledger is verified.
//
// As with Recover, no Ledger may be open on DB.
func RecoverFromMirror(ctx context.Context, opts MirrorOptions) (RecoverReport, error) {
	if opts.DB == nil || opts.URL == "" {
		return RecoverReport{}, errors.New("embedded ledger recover: MirrorOptions.DB and URL are required")
	}
	if _, err := os.Stat(filepath.Join(opts.KeyDir, "checkpoint.key")); err != nil {
		return RecoverReport{}, fmt.Errorf("the ledger's key folder: %w", err)
	}
	ks, err := keys.Open(opts.KeyDir, "", nil)
	if err != nil {
		return RecoverReport{}, fmt.Errorf("embedded ledger keys: %w", err)
	}
	db, d, err := sqlDialect(opts.DB)
	if err != nil {
		return RecoverReport{}, err
	}
	if err := migrate(ctx, db, d); err != nil {
		return RecoverReport{}, err
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	m := &mirror{
		recoverer: &recoverer{ctx: ctx, d: d, ca: ks.CA(), vkey: ks.VerifierKey(), progress: opts.Progress, certs: map[[32]byte]certInfo{}},
		base:      strings.TrimSuffix(opts.URL, "/"),
		token:     opts.Token,
		ders:      map[[32]byte][]byte{},
	}
	m.hc = &http.Client{Transport: &bearer{m: m, next: hc.Transport}, Timeout: hc.Timeout, CheckRedirect: hc.CheckRedirect, Jar: hc.Jar}
	m.otherCert = m.cert
	if err := m.copyIn(db); err != nil {
		return RecoverReport{}, err // rolled back: nothing was recovered
	}
	m.rep.Verify, err = verifyDB(ctx, db, d, ks.CA(), ks.VerifierKey(), VerifyOptions{Progress: opts.VerifyProgress})
	if err != nil {
		return m.rep, fmt.Errorf("entries %d..%d were recovered and committed, but the ledger does not verify: %w", m.rep.From, m.rep.To, err)
	}
	return m.rep, nil
}

// mirror is one RecoverFromMirror run.
type mirror struct {
	*recoverer
	base    string
	token   string
	hc      *http.Client
	fetcher *torchwood.TileFetcher
	ders    map[[32]byte][]byte // certificates the proof API gave, by fingerprint
	org     string              // the organization of the entry being checked
	mu      sync.Mutex          // guards denied: tiles are fetched in parallel
	denied  string              // why the server last refused an entry bundle
	v2From  uint64              // this ledger's first v2 entry (0: none yet)
	state   *replayState
}

// bearer adds the token to requests to the mirror and remembers why an
// entry bundle was refused.
type bearer struct {
	m    *mirror
	next http.RoundTripper
}

func (b *bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	if b.m.token != "" && strings.HasPrefix(req.URL.String(), b.m.base+"/") {
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+b.m.token)
	}
	next := b.next
	if next == nil {
		next = http.DefaultTransport
	}
	resp, err := next.RoundTrip(req)
	if err == nil && (resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized) && strings.Contains(req.URL.Path, "/tile/entries/") {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		b.m.mu.Lock()
		b.m.denied = fmt.Sprintf("%s: %d %s", req.URL.Path, resp.StatusCode, apiMessage(body))
		b.m.mu.Unlock()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp, err
}

// apiMessage returns the message of a JSON API error body, or the body.
func apiMessage(body []byte) string {
	var e struct {
		Error   any    `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil {
		switch {
		case e.Message != "":
			return e.Message
		case e.Error != nil:
			if m, ok := e.Error.(map[string]any); ok {
				if s, ok := m["message"].(string); ok {
					return s
				}
			}
			if s, ok := e.Error.(string); ok {
				return s
			}
		}
	}
	return strings.TrimSpace(string(body))
}

// get fetches path from the mirror.
func (m *mirror) get(path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(m.ctx, http.MethodGet, m.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", m.base+path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", m.base+path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %s", m.base+path, resp.StatusCode, apiMessage(body))
	}
	return body, nil
}

func (m *mirror) copyIn(db *sql.DB) error {
	f, err := torchwood.NewTileFetcher(m.base+"/ledger/", torchwood.WithHTTPClient(m.hc),
		torchwood.WithUserAgent("plumbline ledger recover"), torchwood.WithConcurrencyLimit(8))
	if err != nil {
		return err
	}
	m.fetcher = f
	return m.recoverer.inTx(db, m.run)
}

func (m *mirror) run() error {
	ours, err := originNames(m.ctx, m.tx, m.d)
	if err != nil {
		return err
	}
	top, signed, names, err := m.head(ours)
	if err != nil {
		return err
	}
	n0, root, err := m.localHead()
	if err != nil {
		return err
	}
	if top.Size <= n0 {
		return m.compare(n0, root, top) // ErrForked or ErrNothingToRecover
	}
	tree := tlog.Tree{N: int64(top.Size)}
	copy(tree.Hash[:], top.Root)
	if n0 > 0 {
		theirs, err := tlog.TreeHash(int64(n0), torchwood.TileHashReaderWithContext(m.ctx, tree, m.fetcher))
		if err != nil {
			return fmt.Errorf("the mirror's tree at %d entries, from its hash tiles: %w", n0, err)
		}
		if !bytes.Equal(theirs[:], root) {
			return fmt.Errorf("%w: the mirror's first %d entries hash to %x, but this ledger's %d entries hash to %x; the mirror (%d entries) does not extend this ledger",
				ErrForked, n0, theirs[:], n0, root, top.Size)
		}
	}
	m.rep.From, m.rep.To = n0+1, top.Size
	if m.v2From, err = readV2From(m.ctx, m.tx, m.d); err != nil {
		return err
	}
	v2Before := m.v2From
	if m.v2From > n0 {
		// A server opened the restored ledger and fixed its switch to v2
		// entries at its next entry, but wrote none: the mirror's entries
		// decide where the switch is.
		m.v2From = 0
	}
	last, err := m.entries(tree, n0)
	if err != nil {
		return err
	}
	// The mirror's checkpoint, as this ledger's sequencer would have
	// stored it: the log's signature only, the time of its last entry.
	got, err := tlog.TreeHash(int64(top.Size), m.frontierReader())
	if err != nil {
		return fmt.Errorf("root of %d entries: %w", top.Size, err)
	}
	if !bytes.Equal(got[:], top.Root) {
		return m.bad(top.Size, "ledger_checkpoints", strconv.FormatUint(top.Size, 10), "signed root %x is not the root %x of the entries", top.Root, got[:])
	}
	t := last
	if !top.Time.IsZero() {
		t = top.Time
	}
	cp := []any{int64(top.Size), top.Root, t.UnixNano(), signed}
	if err := insertRows(m.ctx, m.tx, m.d, "ledger_checkpoints", []string{"size", "root", "time_ns", "note"}, [][]any{cp}, ""); err != nil {
		return err
	}
	m.rep.Checkpoints++
	if v2Before == 0 || v2Before > n0 { // no entry this ledger holds fixes the switch
		want := m.v2From // the first recovered v2 entry
		if want == 0 && v2Before != 0 {
			want = top.Size + 1 // the mirror still writes v1: the switch moves past its entries
		}
		if want != 0 && want != v2Before {
			q := `INSERT INTO ledger_meta (name, value) VALUES (` + m.d.ph(1) + `, ` + m.d.ph(2) + `) ON CONFLICT (name) DO UPDATE SET value = excluded.value`
			if _, err := m.tx.ExecContext(m.ctx, q, metaV2From, strconv.FormatUint(want, 10)); err != nil {
				return fmt.Errorf("record the switch to v2 entries: %w", err)
			}
		}
	}
	if !slices.Equal(names, ours) {
		q := `INSERT INTO ledger_meta (name, value) VALUES (` + m.d.ph(1) + `, ` + m.d.ph(2) + `) ON CONFLICT (name) DO UPDATE SET value = excluded.value`
		if _, err := m.tx.ExecContext(m.ctx, q, metaOrigins, strings.Join(names, "\n")); err != nil {
			return fmt.Errorf("record the log's origins: %w", err)
		}
		m.rep.Origins = names
	}
	// The entries are back: a halt on evidence of their loss ends.
	if _, err := m.tx.ExecContext(m.ctx, `DELETE FROM ledger_meta WHERE name = `+m.d.ph(1), metaHalted); err != nil {
		return fmt.Errorf("end the halt: %w", err)
	}
	return nil
}

// head fetches the mirror's latest checkpoint and checks it is this log's.
// It returns it, its note with only the log's signatures, and the log's
// origins once it is in (ours, or ours with the mirror's new origin).
func (m *mirror) head(ours []string) (ledger.Checkpoint, string, []string, error) {
	raw, err := m.get("/ledger/checkpoint")
	if err != nil {
		return ledger.Checkpoint{}, "", nil, fmt.Errorf("the mirror's checkpoint: %w", err)
	}
	names := ours
	vkeys, err := verifierKeysFor(m.vkey, names)
	if err != nil {
		return ledger.Checkpoint{}, "", nil, err
	}
	m.noteKey = newNoteKey(vkeys...)
	cp, err := m.noteKey.parse(raw)
	if origin, _, _ := strings.Cut(string(raw), "\n"); err != nil && CheckOrigin(origin) == nil && !slices.Contains(ours, origin) {
		// One Ed25519 key signs under every origin: a checkpoint under a
		// name this ledger has not recorded (the log moved on to a new
		// origin after the backup) is the log's if that key signed it.
		names = mergeOrigins(ours, append(slices.Clone(ours), origin))
		if vkeys, err = verifierKeysFor(m.vkey, names); err != nil {
			return ledger.Checkpoint{}, "", nil, err
		}
		m.noteKey = newNoteKey(vkeys...)
		cp, err = m.noteKey.parse(raw)
	}
	if err != nil {
		return ledger.Checkpoint{}, "", nil, fmt.Errorf("%w: the mirror's checkpoint does not verify with this ledger's checkpoint key %s: %v",
			ErrNotThisLog, vkeys[len(vkeys)-1], err)
	}
	n, err := note.Open(raw, m.noteKey.vs)
	if err != nil {
		return ledger.Checkpoint{}, "", nil, err
	}
	var b strings.Builder
	b.WriteString(n.Text + "\n")
	for _, s := range n.Sigs {
		b.WriteString("— " + s.Name + " " + s.Base64 + "\n")
	}
	signed := b.String()
	if _, err := m.noteKey.parse([]byte(signed)); err != nil {
		return ledger.Checkpoint{}, "", nil, fmt.Errorf("the mirror's checkpoint without its cosignatures: %w", err)
	}
	return cp, signed, names, nil
}

// mirrorEntry is one entry read from the mirror's bundles.
type mirrorEntry struct {
	seq  uint64
	data []byte
}

// entries reads, checks and writes the entries n+1..tree.N, page by page,
// and returns the time of the last.
func (m *mirror) entries(tree tlog.Tree, n uint64) (time.Time, error) {
	edge := edgeIndexes(int64(n))
	hs, err := readHashes(m.ctx, m.tx, m.d, edge)
	if err != nil {
		return time.Time{}, fmt.Errorf("this ledger's tree: %w", err)
	}
	m.frontier = make(map[int64]tlog.Hash, len(edge))
	for i, x := range edge {
		m.frontier[x] = hs[i]
	}
	m.state = &replayState{ctx: m.ctx, tx: m.tx, d: m.d, pending: map[string][]byte{}}
	client, err := torchwood.NewClient(m.fetcher)
	if err != nil {
		return time.Time{}, err
	}
	var (
		page []mirrorEntry
		last time.Time
		next = int64(n)
	)
	flush := func() error {
		if len(page) == 0 {
			return nil
		}
		t, err := m.page(page)
		if err != nil {
			return err
		}
		last = t
		end := page[len(page)-1].seq
		keep := map[int64]tlog.Hash{}
		for _, x := range edgeIndexes(int64(end)) {
			keep[x] = m.frontier[x]
		}
		m.frontier = keep
		page = page[:0]
		if m.progress != nil {
			m.progress(end-n, uint64(tree.N)-n)
		}
		return nil
	}
	for next < tree.N {
		before := next
		for i, data := range client.Entries(m.ctx, tree, next) {
			if i != next {
				return last, fmt.Errorf("the tile client gave entry index %d, expected %d", i, next)
			}
			page = append(page, mirrorEntry{seq: uint64(i) + 1, data: bytes.Clone(data)})
			next++
			if len(page) >= recoverPage {
				if err := flush(); err != nil {
					return last, err
				}
			}
		}
		if err := client.Err(); err != nil {
			m.mu.Lock()
			denied := m.denied
			m.mu.Unlock()
			if denied != "" {
				return last, fmt.Errorf("the mirror withholds the entries after %d (%s): pass --token, an authority's API token on the mirror; nothing was recovered", next, denied)
			}
			return last, fmt.Errorf("reading the mirror's entries after %d, each checked against its signed tree: %v: %w", next, err, models.ErrTampered)
		}
		if next == before {
			return last, fmt.Errorf("the mirror's entry bundles end at %d entries, below its checkpoint's %d", next, tree.N)
		}
	}
	return last, flush()
}

// proofAnswer is what RecoverFromMirror reads of the proof API.
type proofAnswer struct {
	Seq            uint64 `json:"seq"`
	Entry          []byte `json:"entry"`
	Committed      bool   `json:"committed"`
	Openings       []byte `json:"openings"`
	OrgCertificate []byte `json:"org_certificate"`
	Redacted       bool   `json:"redacted"`
}

func (m *mirror) proof(seq uint64) (proofAnswer, error) {
	var p proofAnswer
	body, err := m.get("/api/v1/ledger/entries/" + strconv.FormatUint(seq, 10) + "/proof")
	if err != nil {
		return p, fmt.Errorf("entry %d's proof from the mirror: %w", seq, err)
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return p, fmt.Errorf("entry %d's proof from the mirror: %w", seq, err)
	}
	return p, nil
}

// cert is recoverer.otherCert: the certificate the proof API gave.
func (m *mirror) cert(fp [32]byte) (string, []byte, error) {
	der, ok := m.ders[fp]
	if !ok {
		return "", nil, sql.ErrNoRows
	}
	return m.org, der, nil
}

// page checks the entries of one page (proven in the mirror's tree),
// rebuilds what they do not hold and writes them into the transaction.
// It returns the time of the last entry.
func (m *mirror) page(page []mirrorEntry) (time.Time, error) {
	var (
		entries = make([][]any, 0, len(page))
		hashes  [][]any
		idem    [][]any
		sigs    = make([]sigJob, 0, len(page))
		state   = map[string]stateRow{}
		last    time.Time
	)
	for _, pe := range page {
		seq := pe.seq
		e, err := DecodeEntry(pe.data)
		if err != nil {
			return last, m.bad(seq, "ledger_entries", "", "entry bytes do not decode: %v", err)
		}
		if e.Seq != seq {
			return last, m.bad(seq, "ledger_entries", "", "the bundle holds the entry of seq %d", e.Seq)
		}
		hs, err := tlog.StoredHashesForRecordHash(int64(seq-1), tlog.RecordHash(pe.data), m.frontierReader())
		if err != nil {
			return last, fmt.Errorf("hash entry %d: %w", seq, err)
		}
		base := tlog.StoredHashIndex(0, int64(seq-1))
		for j, h := range hs {
			m.frontier[base+int64(j)] = h
			hashes = append(hashes, []any{base + int64(j), h[:]})
		}
		v2 := e.Tx.Format == FormatV2
		switch {
		case v2 && m.v2From == 0:
			m.v2From = seq
		case !v2 && m.v2From != 0:
			return last, m.bad(seq, "ledger_entries", "", "a v1 entry after the switch to v2 entries at %d", m.v2From)
		}
		// The proof API gives what the entry does not hold: its
		// certificate, when this ledger has not seen it, and a v2 entry's
		// openings (its writes salt and its private fields').
		var openings []byte
		if _, known := m.certs[e.CertFingerprint]; !known || v2 {
			p, err := m.proof(seq)
			if err != nil {
				return last, err
			}
			if p.Entry != nil && !bytes.Equal(p.Entry, pe.data) {
				return last, m.bad(seq, "ledger_entries", "", "the proof API gives other entry bytes than the entry bundle")
			}
			if p.OrgCertificate != nil {
				m.ders[e.CertFingerprint] = p.OrgCertificate
			}
			if v2 && p.Openings == nil {
				return last, fmt.Errorf("entry %d (%s by %s) keeps its private parts (the openings of its private fields and the salt of its writes) beside the log, and the mirror gives them only to those who may read them, so the transaction cannot be replayed: pass --token, an authority's API token on the mirror; nothing was recovered", seq, e.Tx.Type, e.Tx.Org)
			}
			if v2 {
				openings = p.Openings
			}
		}
		m.org = e.Tx.Org
		pub, err := m.recoverer.cert(e)
		if err != nil {
			return last, err
		}
		var opened Openings
		if v2 {
			if opened, err = DecodeOpenings(openings); err != nil {
				return last, m.bad(seq, "ledger_openings", "", "%v", err)
			}
			full, err := openArgs(e.Tx.Args, opened.Fields)
			if err == nil {
				var canon []byte
				if canon, err = contract.Canonical(e.Tx.Type, full); err == nil {
					err = checkCommitted(e.Tx.Type, canon, opened.Fields)
				}
			}
			if err != nil {
				return last, m.bad(seq, "ledger_openings", "", "%v", err)
			}
			canon, err := contract.Canonical(e.Tx.Type, full)
			if err != nil {
				return last, m.bad(seq, "ledger_openings", "", "the opened arguments: %v", err)
			}
			e.Committed, e.Tx.Args = e.Tx.Args, canon
		}
		t := e.Tx
		writes, err := contract.Execute(m.state, contract.Call{TxID: t.TxID, Type: t.Type, Args: t.Args, Org: t.Org, User: t.User, Role: t.Role, Time: t.Time, Version: t.ContractVersion})
		if err != nil {
			return last, m.bad(seq, "ledger_entries", "", "the contract rejects the entry on replay over this ledger's world state: %v", err)
		}
		if v2 {
			stored := EncodeWrites(writes)
			if WritesDigestOf(opened.WritesSalt, stored) != e.WritesDigest {
				return last, m.bad(seq, "ledger_writes", "", "the writes replayed over this ledger's world state do not hash to the entry's writes digest")
			}
			m.side = append(m.side, []any{int64(seq), stored})
			m.sideOpen = append(m.sideOpen, []any{int64(seq), openings})
		} else if !equalWrites(writes, e.Writes) {
			return last, m.bad(seq, "ledger_entries", "", "the writes replayed over this ledger's world state differ from the entry's")
		}
		sigs = append(sigs, sigJob{seq: seq, org: t.Org, pub: pub, raw: e.TxRaw, sig: e.Signature})
		for _, w := range writes {
			state[w.Key] = stateRow{w.Value, seq}
		}
		m.rep.Writes += len(writes)
		if t.IdempotencyKey != "" {
			idem = append(idem, []any{t.Org, t.IdempotencyKey, int64(seq)})
		}
		entries = append(entries, []any{int64(seq), t.TxID, pe.data})
		last = t.Time
	}
	if j := checkSignatures(sigs); j != nil {
		return last, m.bad(j.seq, "ledger_entries", "", "the organization signature of %s does not verify", j.org)
	}
	if err := m.write(entries, hashes, state, idem, nil); err != nil {
		return last, err
	}
	clear(m.state.pending) // now in the transaction's ledger_state
	return last, nil
}

func equalWrites(a, b []contract.Write) bool {
	return slices.EqualFunc(a, b, func(x, y contract.Write) bool { return x.Key == y.Key && bytes.Equal(x.Value, y.Value) })
}

// replayState is the world state entries are replayed on: this ledger's
// ledger_state, as the recovery transaction sees it, under the writes of
// the page not yet written.
type replayState struct {
	ctx     context.Context
	tx      *sql.Tx
	d       dialect
	pending map[string][]byte
}

var _ contract.State = (*replayState)(nil)

func (s *replayState) Get(key string) ([]byte, error) {
	if v, ok := s.pending[key]; ok {
		return v, nil
	}
	var v []byte
	err := s.tx.QueryRowContext(s.ctx, `SELECT value FROM ledger_state WHERE state_key = `+s.d.ph(1), key).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("state key %q: %w", key, models.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("read state %q: %w", key, err)
	}
	return v, nil
}

func (s *replayState) Put(key string, value []byte) error {
	s.pending[key] = append([]byte(nil), value...)
	return nil
}

func (s *replayState) Range(prefix string, fn func(key string, value []byte) error) error {
	merged := map[string][]byte{}
	q := `SELECT state_key, value FROM ledger_state WHERE state_key >= ` + s.d.ph(1)
	args := []any{prefix}
	if end, ok := prefixEnd(prefix); ok {
		q += ` AND state_key < ` + s.d.ph(2)
		args = append(args, end)
	}
	rows, err := s.tx.QueryContext(s.ctx, q, args...)
	if err != nil {
		return fmt.Errorf("range state %q: %w", prefix, err)
	}
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return fmt.Errorf("range state %q: %w", prefix, err)
		}
		if strings.HasPrefix(k, prefix) {
			merged[k] = v
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("range state %q: %w", prefix, err)
	}
	return contract.RangeMerged(prefix, merged, s.pending, fn)
}
