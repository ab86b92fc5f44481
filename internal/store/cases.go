package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/plumbline/plumbline/models"
)

// caseRow is a non-conformance or recall case (case/ID); its affected
// organizations live in rm_case_orgs and its usages in rm_case_usages.
// The case is rewritten by every step, so RID orders cases by opening.
type caseRow struct {
	RID              int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	ID               string `gorm:"column:id;uniqueIndex"`
	Kind             string `gorm:"index"`
	BatchCode        string `gorm:"index"`
	Severity         string
	Reason           string
	TargetDate       string
	SourceInspection string `gorm:"index"`
	Batches          string // JSON array of batch codes
	Status           string `gorm:"index"`
	OrgID            string `gorm:"index"`
	UserID           string
	TxID             string
	At               string `gorm:"column:at_time"`
	ClosedTx         string
	ClosedAt         string
	UpdatedTx        string
	Seq              uint64
}

func (caseRow) TableName() string { return "rm_cases" }

// caseOrgRow is an organization a case affects; Pos keeps Case.Orgs' order.
type caseOrgRow struct {
	RID     int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	CaseID  string `gorm:"index:rm_case_orgs_case,priority:1"`
	Pos     int    `gorm:"index:rm_case_orgs_case,priority:2"`
	OrgID   string `gorm:"index"`
	AckTx   string
	AckUser string
	AckAt   string
	Note    string
}

func (caseOrgRow) TableName() string { return "rm_case_orgs" }

// caseUsageRow is a usage a case affects and its disposition; Pos keeps
// Case.Usages' order.
type caseUsageRow struct {
	RID           int64  `gorm:"column:rid;primaryKey;autoIncrement"`
	CaseID        string `gorm:"index:rm_case_usages_case,priority:1"`
	Pos           int    `gorm:"index:rm_case_usages_case,priority:2"`
	UsageID       string `gorm:"index"`
	BatchCode     string
	Contractor    string `gorm:"index"`
	Disposition   string
	Justification string
	OrgID         string
	UserID        string
	TxID          string
	At            string `gorm:"column:at_time"`
}

func (caseUsageRow) TableName() string { return "rm_case_usages" }

func caseToRows(c *models.Case, seq uint64) (caseRow, []caseOrgRow, []caseUsageRow) {
	r := caseRow{ID: c.ID, Kind: string(c.Kind), BatchCode: c.BatchCode, Severity: c.Severity, Reason: c.Reason,
		TargetDate: c.TargetDate, SourceInspection: c.SourceInspection, Batches: jsonList(c.Batches), Status: c.Status,
		OrgID: c.Org, UserID: c.User, TxID: c.TxID, At: c.At, ClosedTx: c.ClosedTx, ClosedAt: c.ClosedAt,
		UpdatedTx: c.UpdatedTx, Seq: seq}
	orgs := make([]caseOrgRow, len(c.Orgs))
	for i, o := range c.Orgs {
		orgs[i] = caseOrgRow{CaseID: c.ID, Pos: i, OrgID: o.Org, AckTx: o.AckTx, AckUser: o.AckUser, AckAt: o.AckAt, Note: o.Note}
	}
	us := make([]caseUsageRow, len(c.Usages))
	for i, u := range c.Usages {
		us[i] = caseUsageRow{CaseID: c.ID, Pos: i, UsageID: u.Usage, BatchCode: u.BatchCode, Contractor: u.Contractor,
			Disposition: string(u.Disposition), Justification: u.Justification, OrgID: u.Org, UserID: u.User, TxID: u.TxID, At: u.At}
	}
	return r, orgs, us
}

// caseFromRows rebuilds a case; orgs and usages must be its own, in Pos order.
func caseFromRows(r *caseRow, orgs []caseOrgRow, us []caseUsageRow) (models.Case, error) {
	batches, err := fromJSONList[string](r.Batches)
	c := models.Case{ID: r.ID, Kind: models.CaseKind(r.Kind), BatchCode: r.BatchCode, Severity: r.Severity, Reason: r.Reason,
		TargetDate: r.TargetDate, SourceInspection: r.SourceInspection, Batches: batches, Status: r.Status,
		Org: r.OrgID, User: r.UserID, TxID: r.TxID, At: r.At, ClosedTx: r.ClosedTx, ClosedAt: r.ClosedAt,
		UpdatedTx: r.UpdatedTx, Orgs: []models.CaseOrg{}, Usages: []models.CaseUsage{}}
	for _, o := range orgs {
		c.Orgs = append(c.Orgs, models.CaseOrg{Org: o.OrgID, AckTx: o.AckTx, AckUser: o.AckUser, AckAt: o.AckAt, Note: o.Note})
	}
	for _, u := range us {
		c.Usages = append(c.Usages, models.CaseUsage{Usage: u.UsageID, BatchCode: u.BatchCode, Contractor: u.Contractor,
			Disposition: models.Disposition(u.Disposition), Justification: u.Justification, Org: u.OrgID, User: u.UserID,
			TxID: u.TxID, At: u.At})
	}
	return c, err
}

// PutCase records the value of a case written by event seq.
func (c *Changeset) PutCase(seq uint64, x models.Case) {
	c.put(models.PrefixCase, x.ID, seq, &x)
}

func (s *Store) casesWithChildren(ctx context.Context, rs []caseRow) ([]models.Case, error) {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	db := s.db.WithContext(ctx)
	orgs, err := childrenOf(db, "case_id", ids, "pos", func(o *caseOrgRow) string { return o.CaseID })
	if err != nil {
		return nil, err
	}
	us, err := childrenOf(db, "case_id", ids, "pos", func(u *caseUsageRow) string { return u.CaseID })
	if err != nil {
		return nil, err
	}
	out := make([]models.Case, len(rs))
	for i := range rs {
		if out[i], err = caseFromRows(&rs[i], orgs[rs[i].ID], us[rs[i].ID]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Case returns the case with id, with its organizations and usages.
func (s *Store) Case(ctx context.Context, id string) (models.Case, error) {
	var r caseRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Case{}, notFound(err, "case", id)
	}
	out, err := s.casesWithChildren(ctx, []caseRow{r})
	if err != nil {
		return models.Case{}, err
	}
	return out[0], nil
}

// CaseSummary is a case with its progress, as lists and dashboards show it.
type CaseSummary struct {
	ID         string          `json:"id"`
	Kind       models.CaseKind `json:"kind"`
	BatchCode  string          `json:"batch_code"`
	Severity   string          `json:"severity"`
	Reason     string          `json:"reason"`
	TargetDate string          `json:"target_date"`
	Status     string          `json:"status"`
	Org        string          `json:"org"` // who opened it
	At         string          `json:"at"`
	ClosedAt   string          `json:"closed_at,omitempty"`
	Seq        uint64          `json:"seq"` // the event that last changed it
	// Progress: organizations that acknowledged of those affected, usages
	// with a disposition of those affected.
	AckedOrgs     int `json:"acked_orgs"`
	Orgs          int `json:"orgs"`
	Dispositioned int `json:"dispositioned"`
	Usages        int `json:"usages"`
}

// Age is how long the case has been open at now (until it closed, for a
// closed case); 0 when its times cannot be read.
func (c CaseSummary) Age(now time.Time) time.Duration {
	at, err := time.Parse(time.RFC3339Nano, c.At)
	if err != nil {
		return 0
	}
	if end, err := time.Parse(time.RFC3339Nano, c.ClosedAt); err == nil {
		now = end
	}
	return max(now.Sub(at), 0)
}

// Overdue reports whether an open case is past its target date at now.
func (c CaseSummary) Overdue(now time.Time) bool {
	return c.Status == models.CaseOpen && c.TargetDate < now.UTC().Format(models.DateLayout)
}

// CaseFilter selects cases; empty fields match everything.
type CaseFilter struct {
	Status string          // models.CaseOpen or models.CaseClosed
	Kind   models.CaseKind // non_conformance or recall
	Batch  string          // cases raised on this batch or reaching it
	// Affecting selects the cases that affect this organization (it must
	// acknowledge them) or that it opened.
	Affecting string
	// After is the Next cursor of the previous page; "" starts at the top.
	After string
	// Limit is the page size: 50 when 0, at most 500.
	Limit int
}

// Cases returns one page of the cases that match f with their progress,
// newest first.
func (s *Store) Cases(ctx context.Context, f CaseFilter) (Page[CaseSummary], error) {
	limit := clampLimit(f.Limit, 50, 500)
	db := s.db.WithContext(ctx)
	q := where(db.Model(&caseRow{}), "status", f.Status, "kind", string(f.Kind))
	if f.Batch != "" {
		q = q.Where("batch_code = ? OR id IN (?)", f.Batch,
			db.Model(&caseUsageRow{}).Select("case_id").Where("batch_code = ?", f.Batch))
	}
	if f.Affecting != "" {
		q = q.Where("org_id = ? OR id IN (?)", f.Affecting,
			db.Model(&caseOrgRow{}).Select("case_id").Where("org_id = ?", f.Affecting))
	}
	if f.After != "" {
		rid, err := strconv.ParseInt(f.After, 10, 64)
		if err != nil {
			return Page[CaseSummary]{}, models.Invalid("after", "%q is not a cursor of this list", f.After)
		}
		q = q.Where("rid < ?", rid)
	}
	var rs []caseRow
	if err := q.Order("rid DESC").Limit(limit + 1).Find(&rs).Error; err != nil {
		return Page[CaseSummary]{}, fmt.Errorf("list cases: %w", dbErr(err))
	}
	var p Page[CaseSummary]
	if len(rs) > limit {
		rs = rs[:limit]
		p.Next = strconv.FormatInt(rs[limit-1].RID, 10)
	}
	items, err := s.summaries(ctx, rs)
	p.Items = items
	return p, err
}

// CaseProgress returns case id's summary with its progress.
func (s *Store) CaseProgress(ctx context.Context, id string) (CaseSummary, error) {
	var r caseRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return CaseSummary{}, notFound(err, "case", id)
	}
	out, err := s.summaries(ctx, []caseRow{r})
	if err != nil {
		return CaseSummary{}, err
	}
	return out[0], nil
}

// OpenCases returns every open case with its progress, oldest first, for
// dashboards: those affecting or opened by org, or all when org is "".
// At most limit (100 when 0, at most 1000).
func (s *Store) OpenCases(ctx context.Context, org string, limit int) ([]CaseSummary, error) {
	db := s.db.WithContext(ctx)
	q := db.Model(&caseRow{}).Where("status = ?", models.CaseOpen)
	if org != "" {
		q = q.Where("org_id = ? OR id IN (?)", org, db.Model(&caseOrgRow{}).Select("case_id").Where("org_id = ?", org))
	}
	var rs []caseRow
	if err := q.Order("rid").Limit(clampLimit(limit, 100, 1000)).Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("list open cases: %w", dbErr(err))
	}
	return s.summaries(ctx, rs)
}

// summaries adds progress counts to case rows.
func (s *Store) summaries(ctx context.Context, rs []caseRow) ([]CaseSummary, error) {
	out := make([]CaseSummary, len(rs))
	if len(rs) == 0 {
		return out, nil
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	type count struct {
		CaseID  string
		N, Done int
	}
	counts := func(model any, done string) (map[string]count, error) {
		m := map[string]count{}
		for start := 0; start < len(ids); start += inChunk {
			end := min(start+inChunk, len(ids))
			var cs []count
			err := s.db.WithContext(ctx).Model(model).
				Select("case_id, COUNT(*) AS n, SUM(CASE WHEN "+done+" <> '' THEN 1 ELSE 0 END) AS done").
				Where("case_id IN ?", ids[start:end]).Group("case_id").Scan(&cs).Error
			if err != nil {
				return nil, fmt.Errorf("case progress: %w", dbErr(err))
			}
			for _, c := range cs {
				m[c.CaseID] = c
			}
		}
		return m, nil
	}
	orgs, err := counts(&caseOrgRow{}, "ack_tx")
	if err != nil {
		return nil, err
	}
	us, err := counts(&caseUsageRow{}, "disposition")
	if err != nil {
		return nil, err
	}
	for i, r := range rs {
		out[i] = CaseSummary{ID: r.ID, Kind: models.CaseKind(r.Kind), BatchCode: r.BatchCode, Severity: r.Severity,
			Reason: r.Reason, TargetDate: r.TargetDate, Status: r.Status, Org: r.OrgID, At: r.At, ClosedAt: r.ClosedAt, Seq: r.Seq,
			AckedOrgs: orgs[r.ID].Done, Orgs: orgs[r.ID].N, Dispositioned: us[r.ID].Done, Usages: us[r.ID].N}
	}
	return out, nil
}

// ImpactLine is one usage a case affects, with where it went and its
// disposition.
type ImpactLine struct {
	models.CaseUsage
	Location models.Location `json:"location"`
	Quantity models.Decimal  `json:"quantity"`
	Unit     string          `json:"unit"`
	UsedAt   string          `json:"used_at"`
}

// CaseImpact returns the usages case id affects, in the case's order, with
// their locations.
func (s *Store) CaseImpact(ctx context.Context, id string) ([]ImpactLine, error) {
	c, err := s.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(c.Usages))
	for i, u := range c.Usages {
		ids[i] = u.Usage
	}
	byID := map[string]usageRow{}
	for start := 0; start < len(ids); start += inChunk {
		end := min(start+inChunk, len(ids))
		var rs []usageRow
		if err := s.db.WithContext(ctx).Where("id IN ?", ids[start:end]).Find(&rs).Error; err != nil {
			return nil, fmt.Errorf("usages of case %s: %w", id, dbErr(err))
		}
		for _, r := range rs {
			byID[r.ID] = r
		}
	}
	out := make([]ImpactLine, len(c.Usages))
	for i, u := range c.Usages {
		r := byID[u.Usage]
		out[i] = ImpactLine{CaseUsage: u, Quantity: models.Decimal(r.Quantity), Unit: r.Unit, UsedAt: r.UsedAt,
			Location: models.Location{Project: r.Project, Building: r.Building, Floor: r.Floor, Element: r.Element}}
	}
	return out, nil
}

// LateFailure is a failing inspection recorded after the batch (or a batch
// made from it) was already used, with no case opened from it yet.
type LateFailure struct {
	Inspection models.Inspection
	Seq        uint64 // the inspection's event
}

// FailuresWithoutCase returns failing inspections, oldest first, that no
// case names as its source, recorded at event seq after or later; at most
// limit (100 when 0, at most 1000). Whether the batch was already used
// when it failed is for the caller to decide with the forward trace.
func (s *Store) FailuresWithoutCase(ctx context.Context, after uint64, limit int) ([]LateFailure, error) {
	db := s.db.WithContext(ctx)
	var rs []inspectionRow
	err := db.Where("verdict = ? AND seq > ?", models.VerdictFail, after).
		Where("id NOT IN (?)", db.Model(&caseRow{}).Select("source_inspection").Where("source_inspection <> ''")).
		Order("seq").Order("rid").Limit(clampLimit(limit, 100, 1000)).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("failing inspections without a case: %w", dbErr(err))
	}
	ins, err := s.inspectionsWithResults(ctx, rs)
	if err != nil {
		return nil, err
	}
	out := make([]LateFailure, len(ins))
	for i := range ins {
		out[i] = LateFailure{Inspection: ins[i], Seq: rs[i].Seq}
	}
	return out, nil
}

// TxSeqs returns the ledger sequence number of each transaction ID in
// txIDs that the read model holds.
func (s *Store) TxSeqs(ctx context.Context, txIDs []string) (map[string]uint64, error) {
	out := make(map[string]uint64, len(txIDs))
	for start := 0; start < len(txIDs); start += inChunk {
		end := min(start+inChunk, len(txIDs))
		var rs []eventRow
		if err := s.db.WithContext(ctx).Select("seq", "tx_id").Where("tx_id IN ?", txIDs[start:end]).Find(&rs).Error; err != nil {
			return nil, fmt.Errorf("events of transactions: %w", dbErr(err))
		}
		for _, r := range rs {
			out[r.TxID] = r.Seq
		}
	}
	return out, nil
}

// caseCursor is Check's cursor over rm_cases.
func (s *Store) caseCursor(ctx context.Context, db *gorm.DB) *cursor {
	return &cursor{table: "rm_cases", prefix: models.PrefixCase, decode: decodeAs[models.Case],
		load: func(after string, n int) ([]checkItem, error) {
			rs, err := page[caseRow](s, db, "id", after, n)
			if err != nil {
				return nil, err
			}
			cs, err := s.casesWithChildren(ctx, rs)
			return items(cs, err, func(i int) (string, uint64) { return rs[i].ID, rs[i].Seq })
		}}
}
