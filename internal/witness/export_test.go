package witness

// SetBeforeCommit makes w call f after a request's checks and before it
// records the checkpoint, so a test can line two requests up there.
func SetBeforeCommit(w *Witness, f func()) { w.beforeCommit = f }
