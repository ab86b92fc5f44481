package embedded

import (
	"bytes"
	"database/sql"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// finish checks what only the whole log can tell: that the latest
// checkpoint covers exactly the entries, that no hash lies beyond them, and
// that the world state and idempotency keys match the replay.
func (v *verifier) finish() error {
	n := v.next - 1
	beyond, err := v.readCheckpoints(v.ctx, int64(n), -1)
	if err != nil {
		return err
	}
	if len(beyond) > 0 {
		c := beyond[len(beyond)-1]
		return verr(n+1, "ledger_entries", "", "entries %d..%d are missing but checkpoint %d covers them (log truncated?)", n+1, c.size, c.size)
	}
	if v.opts.since > 0 && n == v.opts.since && v.rep.Checkpoint.Size == 0 {
		return nil // nothing after the trusted checkpoint
	}
	if v.rep.Checkpoint.Size != n {
		return verr(v.rep.Checkpoint.Size+1, "ledger_entries", "", "no signed checkpoint covers entries %d..%d", v.rep.Checkpoint.Size+1, n)
	}
	var extra int64
	err = v.q.QueryRowContext(v.ctx, `SELECT COUNT(*) FROM ledger_hashes WHERE id >= `+v.d.ph(1), tlog.StoredHashIndex(0, int64(n))).Scan(&extra)
	if err != nil {
		return fmt.Errorf("verify: count hashes: %w", err)
	}
	if extra > 0 {
		return verr(n, "ledger_hashes", "", "%d stored hashes lie beyond the last entry", extra)
	}
	for _, table := range []string{"ledger_writes", "ledger_openings"} {
		if err := v.q.QueryRowContext(v.ctx, `SELECT COUNT(*) FROM `+table+` WHERE seq > `+v.d.ph(1), int64(n)).Scan(&extra); err != nil {
			return fmt.Errorf("verify: count %s: %w", table, err)
		}
		if extra > 0 {
			return verr(n, table, "", "%d rows lie beyond the last entry", extra)
		}
	}
	if v.opts.since > 0 {
		return nil // incremental: no replayed state to compare
	}
	if err := v.compareState(); err != nil {
		return err
	}
	return v.compareIdem()
}

// compareState checks ledger_state against the replayed state. The fast
// path reads the table in storage order and looks every row up in the
// replayed state; only when that finds a difference does compareMerge run,
// to name the first bad key in key order.
func (v *verifier) compareState() error {
	rows, err := v.q.QueryContext(v.ctx, `SELECT state_key, value, seq FROM ledger_state`)
	if err != nil {
		return fmt.Errorf("verify: read state: %w", err)
	}
	defer rows.Close()
	seen := make([]bool, len(v.writer.seq))
	n, same := 0, true
	for rows.Next() {
		var k, val sql.RawBytes
		var seq int64
		if err := rows.Scan(&k, &val, &seq); err != nil {
			return fmt.Errorf("verify: read state: %w", err)
		}
		i, ok := v.writer.idx[string(k)]
		if !ok || seen[i] || uint64(seq) != v.writer.seq[i] {
			same = false
			break
		}
		want, err := v.mem.Get(string(k))
		if err != nil || !bytes.Equal(val, want) {
			same = false
			break
		}
		seen[i] = true
		n++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read state: %w", err)
	}
	rows.Close()
	if same && n == v.mem.Len() {
		v.rep.StateKeys = n
		return nil
	}
	return v.compareMerge()
}

// compareMerge merges ledger_state (in byte order) with the replayed state.
func (v *verifier) compareMerge() error {
	var keys []string
	_ = v.mem.Range("", func(k string, _ []byte) error { keys = append(keys, k); return nil })
	rows, err := v.q.QueryContext(v.ctx, `SELECT state_key, value, seq FROM ledger_state ORDER BY state_key`)
	if err != nil {
		return fmt.Errorf("verify: read state: %w", err)
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var k string
		var val []byte
		var seq int64
		if err := rows.Scan(&k, &val, &seq); err != nil {
			return fmt.Errorf("verify: read state: %w", err)
		}
		if i < len(keys) && keys[i] < k {
			return verr(v.writer.get(keys[i]), "ledger_state", keys[i], "key written by entry %d is missing from the world state", v.writer.get(keys[i]))
		}
		if i >= len(keys) || keys[i] != k {
			return verr(uint64(seq), "ledger_state", k, "key is in the world state but no entry wrote it")
		}
		want, _ := v.mem.Get(k)
		w := v.writer.get(k)
		if !bytes.Equal(val, want) {
			return verr(w, "ledger_state", k, "value differs from the one replayed from the entries")
		}
		if uint64(seq) != w {
			return verr(w, "ledger_state", k, "row says entry %d wrote it last, the replay says entry %d", seq, w)
		}
		i++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read state: %w", err)
	}
	if i < len(keys) {
		return verr(v.writer.get(keys[i]), "ledger_state", keys[i], "key written by entry %d is missing from the world state", v.writer.get(keys[i]))
	}
	v.rep.StateKeys = len(keys)
	return nil
}

// compareIdem checks ledger_idempotency against the keys the entries carry.
func (v *verifier) compareIdem() error {
	rows, err := v.q.QueryContext(v.ctx, `SELECT org, idem_key, seq FROM ledger_idempotency`)
	if err != nil {
		return fmt.Errorf("verify: read idempotency keys: %w", err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var k idemKey
		var seq int64
		if err := rows.Scan(&k.org, &k.key, &seq); err != nil {
			return fmt.Errorf("verify: read idempotency keys: %w", err)
		}
		if want, ok := v.idem[k]; !ok || want != uint64(seq) {
			return verr(uint64(seq), "ledger_idempotency", k.org+"/"+k.key, "points at entry %d, but the entries say %d", seq, want)
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: read idempotency keys: %w", err)
	}
	if seen != len(v.idem) {
		return verr(0, "ledger_idempotency", "", "%d idempotency keys are missing (%d rows for %d keyed entries)", len(v.idem)-seen, seen, len(v.idem))
	}
	v.rep.IdemKeys = seen
	return nil
}
