package fabric

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// The event index numbers Plumbline's committed transactions: sequence
// number n is the n-th valid transaction carrying a Plumbline event for
// this namespace, counted in block order and, within a block, in
// transaction order. The numbering is a pure function of the chain, so
// every server computes the same one; no chaincode counter is needed (one
// would make every pair of transactions in a block conflict).
//
// The index keeps, per sequence number, the block and transaction ID, and
// per block the header hash. It is persisted as a text file, one line per
// block that holds events, appended as blocks are read:
//
//	plumbline-fabric-index v1 CHANNEL CHAINCODE NAMESPACE START    (header)
//	B BLOCK HASH TXID...        (a block and its Plumbline transactions, in order)
//	N BLOCK                     (every block up to BLOCK has been read)
//
// A torn last line (a crash mid-write) is dropped on load; the file is a
// cache of the chain and can be deleted to rescan from StartBlock.
type index struct {
	mu      sync.Mutex
	seqs    []indexEntry      // seqs[n-1] is sequence number n
	byTx    map[string]uint64 // transaction ID → sequence number
	hashes  map[uint64][]byte // block → header hash, for blocks with entries
	next    uint64            // the next block to read
	changed chan struct{}     // closed and replaced whenever the index grows
	down    error             // why the block stream is down, nil while it runs
	file    *os.File
	saved   uint64 // the next block as last recorded in the file
}

type indexEntry struct {
	block uint64
	txID  string
}

const indexMagic = "plumbline-fabric-index v1"

// openIndex loads (or creates) the index file at path for cfg; an empty
// path keeps the index in memory.
func openIndex(path string, cfg *Config) (*index, error) {
	ix := &index{byTx: map[string]uint64{}, hashes: map[uint64][]byte{}, next: cfg.StartBlock, changed: make(chan struct{})}
	if path == "" {
		return ix, nil
	}
	ns := cfg.Namespace
	if ns == "" {
		ns = "-"
	}
	header := fmt.Sprintf("%s %s %s %s %d\n", indexMagic, cfg.Channel, cfg.Chaincode, ns, cfg.StartBlock)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open event index: %w", err)
	}
	raw, err := io.ReadAll(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("read event index %s: %w", path, err)
	}
	keep, err := ix.load(raw, header)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("event index %s: %w", path, err)
	}
	if keep == 0 {
		if _, err := f.WriteAt([]byte(header), 0); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("write event index: %w", err)
		}
		keep = len(header)
	}
	if err := f.Truncate(int64(keep)); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("truncate event index: %w", err)
	}
	if _, err := f.Seek(int64(keep), io.SeekStart); err != nil {
		_ = f.Close()
		return nil, err
	}
	ix.file, ix.saved = f, ix.next
	return ix, nil
}

// load parses a file's contents and returns how many bytes are whole lines.
func (ix *index) load(raw []byte, header string) (int, error) {
	if len(raw) == 0 {
		return 0, nil
	}
	if !bytes.HasPrefix(raw, []byte(header)) {
		first, _, _ := bytes.Cut(raw, []byte("\n"))
		return 0, fmt.Errorf("belongs to another ledger (%q, want %q); move it away to rescan", first, strings.TrimSpace(header))
	}
	keep := len(header)
	sc := bufio.NewScanner(bytes.NewReader(raw[keep:]))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for sc.Scan() {
		line := sc.Text()
		if keep+len(line)+1 > len(raw) { // no final newline: torn write
			break
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return 0, fmt.Errorf("bad line %q", line)
		}
		block, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bad line %q", line)
		}
		switch {
		case f[0] == "N":
		case f[0] == "B" && len(f) >= 4:
			h, err := hex.DecodeString(f[2])
			if err != nil {
				return 0, fmt.Errorf("bad line %q", line)
			}
			ix.hashes[block] = h
			for _, tx := range f[3:] {
				ix.seqs = append(ix.seqs, indexEntry{block: block, txID: tx})
				ix.byTx[tx] = uint64(len(ix.seqs))
			}
		default:
			return 0, fmt.Errorf("bad line %q", line)
		}
		ix.next = block + 1
		keep += len(line) + 1
	}
	return keep, sc.Err()
}

// add records block number with its hash and Plumbline transactions. Blocks
// must come in order; one already indexed is ignored.
func (ix *index) add(number uint64, hash []byte, txIDs []string) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if number < ix.next {
		return nil
	}
	if number > ix.next {
		return fmt.Errorf("block %d arrived while waiting for block %d", number, ix.next)
	}
	var line string
	if len(txIDs) > 0 {
		line = fmt.Sprintf("B %d %x %s\n", number, hash, strings.Join(txIDs, " "))
		ix.hashes[number] = hash
		for _, tx := range txIDs {
			if _, dup := ix.byTx[tx]; dup {
				return fmt.Errorf("transaction %s appears twice on the chain", tx)
			}
			ix.seqs = append(ix.seqs, indexEntry{block: number, txID: tx})
			ix.byTx[tx] = uint64(len(ix.seqs))
		}
	} else if number-ix.saved >= 1000 {
		line = fmt.Sprintf("N %d\n", number)
	}
	ix.next = number + 1
	if ix.file != nil && line != "" {
		if _, err := ix.file.WriteString(line); err != nil {
			return fmt.Errorf("write event index: %w", err)
		}
		ix.saved = ix.next
	}
	ix.down = nil
	close(ix.changed)
	ix.changed = make(chan struct{})
	return nil
}

// setDown records why the block stream is down (nil: it is up again).
func (ix *index) setDown(err error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.down = err
	close(ix.changed)
	ix.changed = make(chan struct{})
}

// snapshot returns the head, the next block to read, why the stream is
// down, and a channel closed at the next change.
func (ix *index) snapshot() (head, next uint64, down error, changed <-chan struct{}) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return uint64(len(ix.seqs)), ix.next, ix.down, ix.changed
}

// entry returns sequence number seq's entry and its block's hash.
func (ix *index) entry(seq uint64) (indexEntry, []byte, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if seq == 0 || seq > uint64(len(ix.seqs)) {
		return indexEntry{}, nil, false
	}
	e := ix.seqs[seq-1]
	return e, ix.hashes[e.block], true
}

// waitTx waits until txID is indexed and returns its sequence number.
func (ix *index) waitTx(ctx context.Context, txID string) (uint64, error) {
	for {
		ix.mu.Lock()
		s, ok := ix.byTx[txID]
		ch := ix.changed
		ix.mu.Unlock()
		if ok {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("transaction %s committed but not yet read from the peer's block stream: %w", txID, ctx.Err())
		case <-ch:
		}
	}
}

// waitBlock waits until every block below height has been read.
func (ix *index) waitBlock(ctx context.Context, height uint64) error {
	for {
		_, next, down, ch := ix.snapshot()
		if next >= height {
			return nil
		}
		select {
		case <-ctx.Done():
			if down != nil {
				return errors.Join(ctx.Err(), down)
			}
			return ctx.Err()
		case <-ch:
		}
	}
}

func (ix *index) close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.file == nil {
		return nil
	}
	err := ix.file.Close()
	ix.file = nil
	return err
}
