package server

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/plumbline/plumbline/internal/app"
	"github.com/plumbline/plumbline/internal/i18n"
	"github.com/plumbline/plumbline/internal/importcsv"
	"github.com/plumbline/plumbline/models"
)

// Import jobs run in internal/app (jobs_import.go), the file's checks in
// internal/importcsv; the pages and the API here start them and show their
// progress.

// Import limits and kinds, as the pages name them.
const (
	maxImportBytes  = importcsv.MaxBytes
	maxImportRows   = importcsv.MaxRows
	importBatches   = importcsv.Batches
	importShipments = importcsv.Shipments
)

// Import job states.
const (
	jobRunning = "running"
	jobDone    = "done"
)

// rowError is what went wrong with one row of an import, under the name
// the API documents.
type rowError importcsv.RowError

// rowErrors returns an import's row errors with their messages in l's
// language.
func (s *Server) rowErrors(l *i18n.Localizer, rs []importcsv.RowError) []rowError {
	out := make([]rowError, len(rs))
	for i, r := range rs {
		r.Message = s.say(l, &models.Error{Message: r.Message, Code: r.MessageCode, Params: r.Params})
		out[i] = rowError(r)
	}
	return out
}

// importJob is one bulk import and its progress.
type importJob struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	State     string     `json:"state"` // running or done (interrupted when the server stopped it)
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

// importer serves the import pages and API.
type importer struct {
	s *Server
}

func (s *Server) newImporter() *importer {
	return &importer{s: s}
}

// importView is what the page and the API show of an import job: each
// failed row's error gets its API code here, the one place errors are
// classified.
func (s *Server) importView(l *i18n.Localizer, j app.ImportJob) importJob {
	v := importJob{ID: j.ID, Kind: j.Data.Kind, State: string(j.State), Total: j.Total, Done: j.Done,
		Committed: j.Data.Committed, Replayed: j.Data.Replayed, Failed: j.Data.Failed, Errors: s.rowErrors(l, j.Data.Errors),
		Created: j.Created, Org: j.Data.Org, User: j.Data.User}
	if !j.Finished.IsZero() {
		f := j.Finished
		v.Finished = &f
	}
	for i, e := range v.Errors {
		if e.Err == nil {
			continue
		}
		if _, v.Errors[i].Code = status(e.Err); v.Errors[i].Code == "internal" {
			v.Errors[i].Message = "internal error; the server log has details"
		}
	}
	return v
}

// jobFor returns the job id if the user's organization ran it.
func (im *importer) jobFor(c *gin.Context, id string) (importJob, error) {
	j, ok := im.s.app.ImportJob(id)
	if !ok || j.Owner != currentUser(c).OrgID {
		return importJob{}, models.NotFound("id", "import %q is not known (imports are kept in memory until the server restarts or %d newer ones replace them)", id, app.MaxImportJobs)
	}
	return im.s.importView(im.s.loc(c), j), nil
}
