package store

import "gorm.io/gorm"

// Ops holds the operational tables that live beside the read model in the
// same database but are not projected from the ledger: webhook endpoints
// and their deliveries, who has read which notification, and the record of
// ledger verifications. Unlike the read model they are written by the
// application directly (through internal/app and internal/webhook), so they
// are kept apart from Store, whose only writer is the projector: the read
// model stays a projection that Reset and a reindex may rebuild.
type Ops struct {
	db *gorm.DB
}

// Ops returns the operational tables of the read model's database.
func (s *Store) Ops() *Ops { return &Ops{db: s.db} }
