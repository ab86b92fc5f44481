// Package embedded is Plumbline's single-machine ledger: a sequencer that
// runs ledger/contract and appends every accepted transaction, signed by
// its organization, to an RFC 6962 Merkle log kept in the application's
// database (SQLite or PostgreSQL, through the gorm connection), with a
// signed checkpoint after every committed group.
//
// # Write path
//
// Submit canonicalises the arguments (contract.Canonical), stamps the time,
// assigns a TxID (hex SHA-256 of a random nonce and the transaction) and
// signs the transaction bytes with the organization's ECDSA P-256 key, in
// the caller's goroutine. The sequencer takes everything queued (up to
// Options.MaxBatch), executes it in order against an overlay of the world
// state (a rejected transaction changes nothing and blocks nobody) and
// commits the group in one database transaction: entries, stored Merkle
// hashes, world state, idempotency keys and the signed checkpoint. Callers
// get their receipts only after that commit.
//
// # Bytes and hashes (what a verifier, e.g. the trace page's JavaScript, recomputes)
//
// All integers are big-endian; str(x) is a 4-byte length followed by x.
// Entries are in one of two formats. A ledger written before entry v2
// switches once, at the height recorded in ledger_meta (entry_v2_from);
// Verify holds every entry to the format of its side of that height.
//
//	tx    = "PLBT" 0x01 str(txid) i64(time, Unix ns) str(org) str(user)
//	        str(role) str(type) str(idempotency key) str(canonical args JSON)
//	entry = "PLBE" 0x01 u64(seq) str(tx) u32(n) n×(str(key) str(value))
//	        str(SHA-256 of the org certificate, DER) str(ECDSA signature, ASN.1)
//
// Entry v2 records the contract version the transaction ran under (replay
// uses it), commits to the private fields ledger/contract declares by
// salted hashes (commit.go: the openings are stored in ledger_openings and
// given only to those the access rule lets see them) and holds the writes
// by digest (the writes are stored in ledger_writes), so that the entry
// itself holds nothing private and stays small (at most MaxEntry bytes):
//
//	tx2    = "PLBT" 0x02 str(txid) i64(time) str(org) str(user) str(role)
//	         str(type) str(idempotency key) u8(contract version)
//	         str(committed args JSON)
//	entry2 = "PLBE" 0x02 u64(seq) str(tx2) SHA-256(writes salt || writes)(32)
//	         SHA-256 of the org certificate(32) str(ECDSA signature)
//	writes = "PLBW" 0x01 u32(n) n×(str(key) str(value))
//
// The writes salt (16 random bytes) is kept with the openings, so that the
// digest does not let anyone confirm a guess at the private values the
// writes hold.
//
// For both:
//
//	signature = ECDSA-P256-SHA256 over tx (that is, over SHA-256(tx))
//	leaf  = SHA-256(0x00 || entry)                 leaf index = seq − 1
//	node  = SHA-256(0x01 || left || right)
//	root  = RFC 6962 Merkle tree hash of the leaves; the empty tree's root is SHA-256("")
//
// Inclusion proofs (Evidence.Proof) are RFC 6962/9162 audit paths, leaf to
// root; consistency proofs are RFC 6962 consistency proofs. Both come from
// golang.org/x/mod/sumdb/tlog, as do the stored-hash indexes of the
// ledger_hashes table. KnownAnswers and kat_test.go pin example bytes.
//
// A checkpoint is a C2SP tlog-checkpoint: a golang.org/x/mod/sumdb/note
// signed note (Ed25519) whose key name is the log's origin
// (Options.Origin) and whose text is
//
//	<origin>
//	<size>
//	<base64 root>
//
// Checkpoints signed before the ledger had an origin carry a fourth line,
// their time (RFC 3339), and the key name plumbline/local; they keep
// verifying (VerifierKeys).
//
// # Checking
//
// VerifyEvidence and VerifyConsistency need only the checkpoint verifier
// key (VerifierKey). Verify, or VerifyDB with only the database, the CA
// certificate and the verifier key, checks everything stored: leaves and
// hashes, organization signatures and certificates, every checkpoint, and a
// replay of the contract against the stored writes and world state.
package embedded
