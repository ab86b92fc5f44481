package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/models"
)

// Import jobs live in the server's memory, keyed by ID: at most maxJobs,
// the oldest finished one making room for a new one (when all are still
// running, a new import is refused with 409 until one finishes). A job's
// ID is derived from the user, the kind and the file's bytes, and each
// transaction's idempotency key from the ID and its first row number, so
// sending the same file again — after a lost response, a restart, or to
// retry the rows that failed — never commits a row twice: rows that
// committed before count as "already committed".
const (
	maxJobs       = 64
	importWorkers = 4 // batches are independent; shipments go one at a time
)

// Import job states.
const (
	jobRunning = "running"
	jobDone    = "done"
)

// importJob is one bulk import and its progress.
type importJob struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	State     string     `json:"state"` // running or done
	Total     int        `json:"total"` // rows
	Done      int        `json:"done"`  // rows processed
	Committed int        `json:"committed"`
	Replayed  int        `json:"replayed"` // rows an earlier run of the same file committed
	Failed    int        `json:"failed"`
	Errors    []rowError `json:"errors"` // rows that failed at commit
	Created   time.Time  `json:"created_at"`
	Finished  *time.Time `json:"finished_at,omitempty"`
	Org       string     `json:"org"`
	User      string     `json:"user"`
}

// importer runs import jobs in the background.
type importer struct {
	s    *Server
	mu   sync.Mutex
	jobs map[string]*importJob
}

func (s *Server) newImporter() *importer {
	return &importer{s: s, jobs: map[string]*importJob{}}
}

// jobID derives an import's ID from who sends which file.
func jobID(u *auth.User, kind string, data []byte) string {
	h := sha256.New()
	h.Write([]byte(u.ID + "\n" + kind + "\n"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// snapshot returns a copy of the job that is safe to read.
func (im *importer) snapshot(id string) (importJob, bool) {
	im.mu.Lock()
	defer im.mu.Unlock()
	j, ok := im.jobs[id]
	if !ok {
		return importJob{}, false
	}
	c := *j
	c.Errors = append([]rowError{}, j.Errors...)
	return c, true
}

// start runs items for u as job id, unless that job is running or has
// finished without failures, in which case it is returned as it stands.
func (im *importer) start(u *auth.User, id, kind string, total int, items []importItem) (importJob, error) {
	im.mu.Lock()
	if j, ok := im.jobs[id]; ok && (j.State == jobRunning || j.Failed == 0) {
		im.mu.Unlock()
		j, _ := im.snapshot(id)
		return j, nil
	}
	if _, ok := im.jobs[id]; !ok && len(im.jobs) >= maxJobs {
		var oldest *importJob
		for _, j := range im.jobs {
			if j.State == jobDone && (oldest == nil || j.Created.Before(oldest.Created)) {
				oldest = j
			}
		}
		if oldest == nil {
			im.mu.Unlock()
			return importJob{}, models.Conflict("", "%d imports are running; try again when one has finished", maxJobs)
		}
		delete(im.jobs, oldest.ID)
	}
	j := &importJob{ID: id, Kind: kind, State: jobRunning, Total: total, Errors: []rowError{}, Created: im.s.opts.Now().UTC(), Org: u.OrgID, User: u.ID}
	im.jobs[id] = j
	im.mu.Unlock()
	go im.run(*u, j, items)
	out, _ := im.snapshot(id)
	return out, nil
}

// run submits the items, recording each row's outcome.
func (im *importer) run(u auth.User, j *importJob, items []importItem) {
	workers := importWorkers
	if j.Kind == importShipments {
		workers = 1 // several shipments may draw on one batch: keep the file's order
	}
	queue := make(chan importItem)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range queue {
				key := "import/" + j.ID + "/" + strconv.Itoa(it.Rows[0])
				rec, err := im.s.app.SubmitAs(context.Background(), &u, it.Type, it.Args, key)
				im.record(j, it, rec.Replayed, err)
			}
		}()
	}
	for _, it := range items {
		queue <- it
	}
	close(queue)
	wg.Wait()
	im.mu.Lock()
	defer im.mu.Unlock()
	now := im.s.opts.Now().UTC()
	j.State, j.Finished = jobDone, &now
}

func (im *importer) record(j *importJob, it importItem, replayed bool, err error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	n := len(it.Rows)
	j.Done += n
	switch {
	case err == nil && replayed:
		j.Replayed += n
	case err == nil:
		j.Committed += n
	default:
		j.Failed += n
		_, code := status(err)
		msg, field := err.Error(), ""
		var me *models.Error
		if errors.As(err, &me) {
			msg, field = me.Message, me.Field
		}
		if code == "internal" {
			im.s.opts.Logger.Error("import row", "job", j.ID, "row", it.Rows[0], "err", err)
			msg = "internal error; the server log has details"
		}
		row, col := it.column(field)
		for _, r := range it.Rows {
			if len(j.Errors) >= maxRowErrors {
				break
			}
			c := ""
			if r == row {
				c = col
			}
			j.Errors = append(j.Errors, rowError{Row: r, Column: c, Message: msg, Code: code})
		}
	}
}

// jobFor returns the job id if the user's organization ran it.
func (im *importer) jobFor(c *gin.Context, id string) (importJob, error) {
	j, ok := im.snapshot(id)
	if !ok || j.Org != currentUser(c).OrgID {
		return importJob{}, models.NotFound("id", "import %q is not known (imports are kept in memory until the server restarts or %d newer ones replace them)", id, maxJobs)
	}
	return j, nil
}
