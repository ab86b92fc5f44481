package store

import (
	"context"
	"fmt"
	"time"
)

// VerifyRun records one verification of the ledger: by the command line
// (plumbline verify) or by the server (an administrator's "verify now").
// Runs are kept off the ledger and outside the read model: Reset and
// reindex leave them, and Check ignores them, since they derive from no
// world state.
type VerifyRun struct {
	ID        int64     `json:"id" gorm:"primaryKey;autoIncrement"`
	Source    string    `json:"source"` // "cli" or "server"
	User      string    `json:"user,omitempty"`
	StartedAt time.Time `json:"started_at" gorm:"index"`
	// DurationMS is how long the run took, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// FromSeq and ToSeq are the entries covered (1 and the verified
	// checkpoint's size for a whole-ledger run).
	FromSeq uint64 `json:"from_seq"`
	ToSeq   uint64 `json:"to_seq"`
	// Root is the verified checkpoint's Merkle root, hexadecimal.
	Root string `json:"root,omitempty"`
	OK   bool   `json:"ok"`
	// Message says what failed (the first bad entry), or what was checked.
	Message string `json:"message"`
}

// TableName keeps verify runs apart from the rm_ read model.
func (VerifyRun) TableName() string { return "ops_verify_runs" }

// opsTables are the operational tables Open creates and Reset leaves alone.
func opsTables() []any { return []any{&VerifyRun{}} }

// Verify sources.
const (
	VerifyCLI    = "cli"
	VerifyServer = "server"
)

// RecordVerifyRun stores a finished run and sets its ID.
func (o *Ops) RecordVerifyRun(ctx context.Context, r *VerifyRun) error {
	r.StartedAt = r.StartedAt.UTC()
	if err := o.db.WithContext(ctx).Create(r).Error; err != nil {
		return fmt.Errorf("record verify run: %w", dbErr(err))
	}
	return nil
}

// VerifyRuns returns the latest runs, newest first, at most limit (10 when
// 0, at most 100).
func (o *Ops) VerifyRuns(ctx context.Context, limit int) ([]VerifyRun, error) {
	var rs []VerifyRun
	if err := o.db.WithContext(ctx).Order("started_at DESC").Order("id DESC").Limit(clampLimit(limit, 10, 100)).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("verify runs: %w", dbErr(err))
	}
	for i := range rs {
		rs[i].StartedAt = rs[i].StartedAt.UTC()
	}
	return rs, nil
}
