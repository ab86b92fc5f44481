package app

import (
	"context"
	"slices"

	"github.com/plumbline/plumbline/internal/epcis"
	"github.com/plumbline/plumbline/internal/jobs"
)

// An EPCIS capture runs as a job (internal/epcis runs it): the document is
// checked against the schema in the request, then every event is
// translated, dry-run and committed by the job, on the job table's owner
// context. The job's ID is derived from the user, the error behaviour and
// the document's bytes; each event's idempotency key from its eventID, so
// capturing a document again — after an interrupted job, say — commits
// nothing twice.

// CaptureJob is a capture job as it stands.
type CaptureJob = jobs.Job[epcis.CaptureProgress]

func newCaptureKind(t *jobs.Table) *jobs.Kind[epcis.CaptureProgress] {
	return jobs.NewKind(t, jobs.Config[epcis.CaptureProgress]{
		Name: "capture",
		Max:  MaxCaptureJobs,
		Clone: func(p epcis.CaptureProgress) epcis.CaptureProgress {
			p.Events = slices.Clone(p.Events)
			return p
		},
		Brief: func(p epcis.CaptureProgress) epcis.CaptureProgress {
			p.Events = nil
			return p
		},
	})
}

// StartCapture starts capturing doc — a document checked against the
// schema, whose bytes are body — for act with the error behaviour. A
// capture of the same bytes by the same user with the same behaviour that
// is still running is returned as it stands, with a nil channel; otherwise
// the channel is closed when the capture ends.
func (a *App) StartCapture(act Actor, behaviour string, body []byte, doc epcis.CaptureDoc) (CaptureJob, <-chan struct{}, error) {
	u := act.User
	if u == nil {
		return CaptureJob{}, nil, ErrUnauthenticated
	}
	id := jobID(u.ID, behaviour, body)
	c := &epcis.Capturer{Ledger: a.opts.Ledger, Catalog: a.opts.Store, Projection: a.opts.Projector, Logger: a.opts.Logger.With("job", id),
		Now: a.opts.Now, WriteTimeout: a.opts.WriteTimeout, Chunk: a.work.captureChunk}
	who := u.Model()
	j, done, err := a.work.captures.Start(id, u.OrgID, len(doc.Events), epcis.NewCaptureProgress(doc, behaviour, u.ID),
		func(ctx context.Context, h *jobs.Handle[epcis.CaptureProgress]) error {
			return c.Run(ctx, who, behaviour, doc, func(fn func(*epcis.CaptureProgress)) {
				h.Update(func(j *CaptureJob) {
					fn(&j.Data)
					j.Done = j.Data.Checked
				})
			})
		})
	return j, done, startError(err, "captures", MaxCaptureJobs)
}

// CaptureJob returns capture id as it stands, if the job table still holds
// it. Its Owner is the organization that ran it.
func (a *App) CaptureJob(id string) (CaptureJob, bool) {
	return a.work.captures.Get(id)
}

// CaptureJobs returns org's captures, newest first, without their events.
func (a *App) CaptureJobs(org string) []CaptureJob {
	return a.work.captures.List(org)
}
