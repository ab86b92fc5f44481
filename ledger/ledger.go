// Package ledger defines the one interface Plumbline writes through and the
// types that cross it: a transaction (Tx), its Receipt, committed Events, the
// signed Checkpoint and the Evidence that proves an entry is on the ledger.
//
// Two backends implement it: ledger/embedded (a signed Merkle log in SQLite
// or PostgreSQL) and ledger/fabric (Hyperledger Fabric through
// fabric-gateway). Both run the same smart contract, ledger/contract, and
// both pass the conformance suite in ledger/ledgertest.
package ledger

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/plumbline/plumbline/models"
)

// Tx is a transaction as a client submits it.
type Tx struct {
	Type string          `json:"type"` // a contract transaction type, e.g. "CommissionBatch"
	Args json.RawMessage `json:"args"` // the type's arguments as JSON
	Org  string          `json:"org"`  // submitting organization
	User string          `json:"user"` // submitting user within Org
	Role models.Role     `json:"role"` // the user's role, vouched for by Org's signature
	// IdempotencyKey, when set, makes retries safe: a second Submit with the
	// same Org and key returns the first receipt and commits nothing.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	// Time is the transaction's timestamp. The backend sets it from its
	// clock when zero; the contract reads time only from here.
	Time time.Time `json:"time"`
}

// Receipt says that a transaction committed, and where.
type Receipt struct {
	Seq  uint64    `json:"seq"`   // position in the ledger's event order
	TxID string    `json:"tx_id"` // backend transaction ID
	Time time.Time `json:"time"`
	// Replayed is true when this receipt answers a retry with a known
	// idempotency key: the transaction committed earlier, not now.
	Replayed bool `json:"replayed,omitempty"`
	// Block and ValidationCode are set by the Fabric backend.
	Block          uint64 `json:"block,omitempty"`
	ValidationCode string `json:"validation_code,omitempty"`
}

// Write is one world-state key written by a committed transaction, with its
// new value (the JSON of a models type).
type Write struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// Event is a committed transaction as delivered to projectors: what was
// asked (the Tx fields) and what it changed (Writes), in ledger order.
type Event struct {
	Seq    uint64          `json:"seq"`
	TxID   string          `json:"tx_id"`
	Type   string          `json:"type"`
	Args   json.RawMessage `json:"args"`
	Org    string          `json:"org"`
	User   string          `json:"user"`
	Role   models.Role     `json:"role"`
	Time   time.Time       `json:"time"`
	Writes []Write         `json:"writes"`
	Block  uint64          `json:"block,omitempty"` // Fabric only
}

// Checkpoint is a signed statement of the ledger's size and root hash.
type Checkpoint struct {
	// Origin names the log (the checkpoint's first line and its signer's
	// key name); empty for ledgers without signed checkpoints.
	Origin string    `json:"origin,omitempty"`
	Size   uint64    `json:"size"`
	Root   []byte    `json:"root"` // RFC 6962 Merkle tree hash of the first Size entries
	Note   string    `json:"note"` // the signed note (golang.org/x/mod/sumdb/note format)
	Time   time.Time `json:"time"`
}

// Evidence kinds.
const (
	EvidenceMerkle = "merkle" // an RFC 6962 inclusion proof against a signed checkpoint
	EvidenceFabric = "fabric" // a Fabric transaction ID, block number and block hash
)

// Evidence proves that an entry is on the ledger.
type Evidence struct {
	Kind  string `json:"kind"`
	Seq   uint64 `json:"seq"`
	TxID  string `json:"tx_id"`
	Entry []byte `json:"entry,omitempty"` // the entry's canonical bytes (merkle)
	// Committed is set when the entry holds its private fields only as
	// salted commitments (the embedded ledger's entry v2), so that its
	// bytes reveal nothing private; Openings, given only to those who may
	// see the private fields, are their salts and values.
	Committed bool   `json:"committed,omitempty"`
	Openings  []byte `json:"openings,omitempty"`
	// Merkle inclusion proof (Kind == EvidenceMerkle).
	LeafIndex  uint64     `json:"leaf_index"`
	LeafHash   []byte     `json:"leaf_hash,omitempty"`
	Proof      [][]byte   `json:"proof,omitempty"`
	Checkpoint Checkpoint `json:"checkpoint"`
	// Fabric (Kind == EvidenceFabric).
	Block     uint64 `json:"block,omitempty"`
	BlockHash []byte `json:"block_hash,omitempty"`
}

// Ledger is the append-only, verifiable record every action goes through.
type Ledger interface {
	// Submit runs tx through the contract and commits it durably, returning
	// its receipt only once it is committed. A rejected transaction returns a
	// *models.Error (or an error wrapping one) and changes nothing.
	Submit(ctx context.Context, tx Tx) (Receipt, error)
	// Head returns the sequence number of the last committed event (0 when empty).
	Head(ctx context.Context) (uint64, error)
	// Events calls fn for every committed event with Seq > after, in order,
	// then waits for more, until ctx is done or fn returns an error, which
	// Events returns. It never skips or repeats an event.
	Events(ctx context.Context, after uint64, fn func(Event) error) error
	// State reads the current world-state value of key
	// (a wrapped models.ErrNotFound when absent).
	State(ctx context.Context, key string) ([]byte, error)
	// Checkpoint returns the latest signed checkpoint.
	Checkpoint(ctx context.Context) (Checkpoint, error)
	// Evidence proves that the event seq is on the ledger.
	Evidence(ctx context.Context, seq uint64) (Evidence, error)
	// Close releases the backend's resources.
	Close() error
}

// BatchSubmitter is implemented by ledgers that can take many transactions
// with one wait (ledger/embedded): an EPCIS capture of thousands of events
// feeds them to the sequencer at once instead of one request at a time.
type BatchSubmitter interface {
	// SubmitBatch runs txs in order, each seeing the writes of those before
	// it, and commits them durably, answering once for all: one receipt or
	// error per transaction. With atomic, all commit or none does: when any
	// is rejected, nothing commits and the others fail with ErrNotApplied.
	// Transactions whose idempotency key committed before are answered
	// with their first receipt (Replayed) either way. The error is for
	// failures of the whole batch (a closed ledger, a failed commit).
	SubmitBatch(ctx context.Context, txs []Tx, atomic bool) ([]Receipt, []error, error)
	// Committed returns the first receipts (Replayed set) of org's
	// committed transactions among the idempotency keys.
	Committed(ctx context.Context, org string, keys []string) (map[string]Receipt, error)
}

// The optional capabilities below are implemented by some backends only.
// Callers ask for one with a type assertion on a Ledger, e.g.
// l.(ledger.VerifierKeyer), and do without it when it is absent.

// CertificateSource is implemented by ledgers that keep the X.509
// certificates of the organizations that sign entries (ledger/embedded),
// so that a verifier holding the CA certificate can check an entry's
// organization signature itself.
type CertificateSource interface {
	// Certificate returns the stored certificate whose SHA-256 fingerprint
	// (of its DER bytes) is fingerprint; a wrapped models.ErrNotFound when
	// there is none.
	Certificate(ctx context.Context, fingerprint [32]byte) (*x509.Certificate, error)
	// EntryCertificate returns the certificate of the organization that
	// signed the entry of ev (EvidenceMerkle evidence with its Entry), so
	// callers need not know the backend's entry format. Evidence of another
	// kind or without an entry is a models.ErrInvalid error.
	EntryCertificate(ctx context.Context, ev Evidence) (*x509.Certificate, error)
}

// CommitObserver is implemented by ledgers that can report every committed
// group of transactions, for metrics (ledger/embedded).
type CommitObserver interface {
	// SetCommitObserver registers fn to hear, after each commit, how many
	// transactions the group held and how long executing and committing it
	// took. fn must be quick.
	SetCommitObserver(fn func(size int, d time.Duration))
}

// PrivacyCommitter is implemented by ledgers whose entries, from some
// height on, commit to their private fields (as ledger/contract declares
// them) by salted hashes and keep the openings beside the log: the
// embedded ledger's entry v2.
type PrivacyCommitter interface {
	// CommittedFrom returns the seq of the first such entry; 0 when none.
	CommittedFrom() uint64
	// Openings returns the stored openings of entry seq's private fields;
	// nil when it has none.
	Openings(ctx context.Context, seq uint64) ([]byte, error)
}

// VerifierKeyer is implemented by ledgers whose checkpoints are signed
// notes (ledger/embedded).
type VerifierKeyer interface {
	// VerifierKey returns the note verifier key that checks the ledger's
	// checkpoints (golang.org/x/mod/sumdb/note format).
	VerifierKey() string
}

// Verifier is implemented by ledgers that can check their whole history
// themselves (ledger/embedded: leaf hashes, signatures, the tree against
// every checkpoint, the contract's replay against world state). On Fabric
// the peers validate every block instead.
type Verifier interface {
	// VerifyAll verifies every entry and reports what it checked, with
	// the world state it replayed; progress, when set, is told now and
	// then how far it got. An inconsistency is an error wrapping
	// models.ErrTampered; the report then says how far it got.
	VerifyAll(ctx context.Context, progress func(done, total uint64)) (Verification, error)
}

// ConsistencyProver is implemented by ledgers that keep every checkpoint
// they signed and can prove that a later tree extends an earlier one
// (ledger/embedded), so a client holding an old checkpoint can check that
// history only grew.
type ConsistencyProver interface {
	// CheckpointAt returns the checkpoint signed at exactly size entries;
	// when none was, a wrapped models.ErrNotFound naming the nearest.
	CheckpointAt(ctx context.Context, size uint64) (Checkpoint, error)
	// ConsistencyProof proves that the tree of newSize entries extends the
	// tree of oldSize entries (an RFC 6962 consistency proof).
	ConsistencyProof(ctx context.Context, oldSize, newSize uint64) ([][]byte, error)
}

// InclusionProver is implemented by ledgers that keep every checkpoint
// they signed and can prove an entry against any of them, not only the
// latest (ledger/embedded), so that a proof can name a checkpoint that
// witnesses cosigned.
type InclusionProver interface {
	// EvidenceAt is Evidence against the checkpoint signed at exactly
	// size entries, which must include seq; when none was signed at size,
	// a wrapped models.ErrNotFound naming the nearest.
	EvidenceAt(ctx context.Context, seq, size uint64) (Evidence, error)
}

// TileHeight is the height of the Merkle tree's hash tiles (C2SP
// tlog-tiles): each tile holds up to 256 hashes of one level.
const TileHeight = 8

// HashTiler is implemented by ledgers that serve their Merkle tree as hash
// tiles (C2SP tlog-tiles; ledger/embedded), so that a monitor can check
// inclusion and consistency from tiles alone.
type HashTiler interface {
	// HashTile returns the width hashes of tile index at tile level level
	// (tree level TileHeight·level, hashes index·256 …), each 32 bytes,
	// concatenated; a wrapped models.ErrNotFound when the latest
	// checkpoint's tree does not hold them yet.
	HashTile(ctx context.Context, level int, index int64, width int) ([]byte, error)
	// Entries returns the entries index·256+1 … index·256+width (by seq)
	// of the latest checkpoint's tree, for an entry bundle; a wrapped
	// models.ErrNotFound when the tree does not hold them yet.
	Entries(ctx context.Context, index int64, width int) ([][]byte, error)
}

// Verification is what a Verifier checked.
type Verification struct {
	// Checkpoint is the latest checkpoint, which covers every entry.
	Checkpoint  Checkpoint
	Entries     uint64 // entries whose hash, signature and replay were checked
	Checkpoints uint64 // signed checkpoints whose signature and root were checked
	StateKeys   int    // world-state keys compared with the replay
	// State is the world state replayed from the first entry, key by key
	// in order; compare the read model against it.
	State iter.Seq2[string, []byte]
}

// ErrNotApplied answers the transactions of an atomic batch that were not
// committed because another transaction of the batch was rejected.
var ErrNotApplied = errors.New("not applied: the batch is all-or-nothing and another of its transactions was rejected")

// ErrClosed is returned by a ledger used after Close.
var ErrClosed = errors.New("ledger closed")

// ErrUnavailable marks a failure to reach the ledger's network (a Fabric
// peer or orderer that is down or has no Raft leader). The operation may
// be retried; a Submit that fails with it after its transaction was sent
// may still commit, so retry with the same idempotency key.
var ErrUnavailable = errors.New("ledger unavailable")

// ErrRolledBack and ErrForked say how a ledger fails a checkpoint it
// signed and someone kept: it is smaller (a restored backup), or its tree
// at that size differs. Both wrap models.ErrTampered.
var (
	ErrRolledBack = fmt.Errorf("rolled back: %w", models.ErrTampered)
	ErrForked     = fmt.Errorf("forked: %w", models.ErrTampered)
)
