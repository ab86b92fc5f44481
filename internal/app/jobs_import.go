package app

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/importcsv"
	"github.com/plumbline/plumbline/internal/jobs"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/models"
)

// An import job submits the rows of a checked CSV file (internal/importcsv)
// one transaction at a time. A job's ID is derived from the user, the kind
// and the file's bytes, and each transaction's idempotency key from the ID
// and its first row number, so sending the same file again — after a lost
// response, a restart, an interrupted job, or to retry the rows that
// failed — never commits a row twice: rows that committed before count as
// "already committed" (Replayed).
//
// When the job table shuts down, the job stops at a row boundary: a row
// already sent is finished and recorded, the others are not sent, and the
// job ends interrupted.

// importWorkers submit batches side by side; shipments go one at a time.
const importWorkers = 4

// ImportProgress is an import job's progress beyond its rows done.
type ImportProgress struct {
	Kind      string // importcsv.Batches or Shipments
	Committed int
	Replayed  int // rows an earlier run of the same file committed
	Failed    int
	Errors    []importcsv.RowError // rows that failed at commit
	Org       string
	User      string
}

// ImportJob is an import job as it stands.
type ImportJob = jobs.Job[ImportProgress]

func newImportKind(t *jobs.Table) *jobs.Kind[ImportProgress] {
	return jobs.NewKind(t, jobs.Config[ImportProgress]{
		Name: "import",
		Max:  MaxImportJobs,
		Clone: func(p ImportProgress) ImportProgress {
			p.Errors = slices.Clone(p.Errors)
			return p
		},
		// A file that went through without failures is not run again:
		// sending it again shows the job as it stands.
		Keep: func(j jobs.Job[ImportProgress]) bool { return j.State == jobs.Done && j.Data.Failed == 0 },
	})
}

// StartImport checks an import file of kind that act sends and starts the
// job that submits its rows. A file that fails the check is a
// *importcsv.RowsError. When the same user sent the same file before and
// its job is running or finished without failures, that job is returned
// as it stands. headers are other names of the columns (importcsv.Parse).
func (a *App) StartImport(ctx context.Context, act Actor, kind string, data []byte, headers map[string]string) (ImportJob, error) {
	u := act.User
	if u == nil {
		return ImportJob{}, ErrUnauthenticated
	}
	items, total, err := importcsv.Parse(ctx, a.opts.Store, u.OrgID, kind, data, headers)
	if err != nil {
		return ImportJob{}, err
	}
	p := ImportProgress{Kind: kind, Errors: []importcsv.RowError{}, Org: u.OrgID, User: u.ID}
	j, _, err := a.work.imports.Start(jobID(u.ID, kind, data), u.OrgID, total, p, a.importRows(*u, kind, items))
	return j, startError(err, "imports", MaxImportJobs)
}

// ImportJob returns import id as it stands, if the job table still holds
// it. Its Owner is the organization that ran it.
func (a *App) ImportJob(id string) (ImportJob, bool) {
	return a.work.imports.Get(id)
}

// importRows is the job that submits items for u.
func (a *App) importRows(u auth.User, kind string, items []importcsv.Item) jobs.Func[ImportProgress] {
	return func(ctx context.Context, h *jobs.Handle[ImportProgress]) error {
		workers := importWorkers
		if kind == importcsv.Shipments {
			workers = 1 // several shipments may draw on one batch: keep the file's order
		}
		queue := make(chan importcsv.Item)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for it := range queue {
					key := "import/" + h.ID() + "/" + strconv.Itoa(it.Rows[0])
					// A row once sent is finished and recorded even when
					// the job is being stopped: its outcome is then known.
					rec, err := a.SubmitAs(context.WithoutCancel(ctx), &u, it.Type, it.Args, key)
					a.recordRow(h, it, rec.Replayed, err)
				}
			})
		}
		sent := 0
		for _, it := range items {
			if ctx.Err() != nil {
				break
			}
			select {
			case queue <- it:
				sent++
			case <-ctx.Done():
			}
		}
		close(queue)
		wg.Wait()
		if sent < len(items) {
			return ctx.Err()
		}
		return nil
	}
}

// recordRow records the outcome of one transaction of an import.
func (a *App) recordRow(h *jobs.Handle[ImportProgress], it importcsv.Item, replayed bool, err error) {
	msg, field, code, params := "", "", "", []string(nil)
	if err != nil {
		msg = err.Error()
		var me *models.Error
		switch {
		case errors.As(err, &me):
			msg, field, code, params = me.Message, me.Field, me.Code, me.Params
		case !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ledger.ErrUnavailable) && !errors.Is(err, ledger.ErrClosed):
			a.opts.Logger.Error("import row", "job", h.ID(), "row", it.Rows[0], "err", err)
		}
	}
	h.Update(func(j *jobs.Job[ImportProgress]) {
		n := len(it.Rows)
		j.Done += n
		p := &j.Data
		switch {
		case err == nil && replayed:
			p.Replayed += n
		case err == nil:
			p.Committed += n
		default:
			p.Failed += n
			row, col := it.Column(field)
			for _, r := range it.Rows {
				if len(p.Errors) >= importcsv.MaxRowErrors {
					break
				}
				c := ""
				if r == row {
					c = col
				}
				p.Errors = append(p.Errors, importcsv.RowError{Row: r, Column: c, Message: msg, MessageCode: code, Params: params, Err: err})
			}
		}
	})
}
