package app

import (
	"cmp"
	"context"
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/plumbline/plumbline/internal/access"
	"github.com/plumbline/plumbline/internal/report"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/ledger"
	"github.com/plumbline/plumbline/ledger/tlogproof"
	"github.com/plumbline/plumbline/models"
)

// pdfBatches is how many batches of a trace the PDF lists inspections and
// documents of, nearest to the traced batch first.
const pdfBatches = 60

// TracePDF gathers what the PDF report of trace q shows the viewer of chk:
// cover with the ledger's evidence, timeline, graph, inspections and
// documents, private details only of batches the viewer is involved
// with; font is the TrueType font it prints names in (nil: Latin only).
func (a *App) TracePDF(ctx context.Context, q TraceQuery, chk *access.Checker, font []byte) (report.PDFReport, error) {
	var r report.PDFReport
	tr, err := a.RunTrace(ctx, q, chk)
	if err != nil {
		return r, err
	}
	n, err := a.Names(ctx)
	if err != nil {
		return r, err
	}
	d, err := a.Trace(ctx, q.Batch)
	if err != nil {
		return r, models.Prefix("batch", err)
	}
	r = report.PDFReport{Batch: d.Batch, Product: d.Product.Name, Standard: d.Product.Standard, Names: n,
		Graph: report.New(tr.Backward, tr.Forward, n), More: d.More, Generated: a.opts.Now(), Font: font,
		URL: strings.TrimSuffix(a.opts.BaseURL, "/") + "/trace?" + q.Values().Encode()}
	involved, err := chk.Involved(ctx, &d.Batch)
	if err != nil {
		return r, err
	}
	if !involved {
		r.Batch = access.PublicBatch(d.Batch, d.Documents)
	}
	for _, e := range d.Timeline {
		r.Timeline = append(r.Timeline, report.TimelineEntry{Seq: e.Seq, TxID: e.TxID, Block: e.Block, Type: e.Type, Org: n.Org(e.Org), Time: e.Time})
	}
	if len(d.Timeline) > 0 {
		ev, err := a.opts.Ledger.Evidence(ctx, d.Timeline[0].Seq)
		if err != nil {
			return r, err
		}
		r.Evidence = report.Evidence{Kind: ev.Kind, Seq: ev.Seq, TxID: ev.TxID, LeafHash: ev.LeafHash, Block: ev.Block,
			Size: ev.Checkpoint.Size, Root: ev.Checkpoint.Root, At: ev.Checkpoint.Time}
		if ev.Kind == ledger.EvidenceMerkle {
			if r.Proofs, err = a.pdfProofs(ctx, chk, d.Timeline); err != nil {
				return r, err
			}
			r.LogKey, r.WitnessKeys, _ = a.proofKeys()
		}
	}
	// Inspections and documents of the traced batches, nearest first.
	var batches []report.Node
	for _, nd := range r.Graph.Nodes {
		if nd.Kind == report.KindBatch {
			batches = append(batches, nd)
		}
	}
	slices.SortStableFunc(batches, func(a, b report.Node) int { return cmp.Compare(layerDistance(a.Layer), layerDistance(b.Layer)) })
	if len(batches) > pdfBatches {
		r.Omitted, batches = len(batches)-pdfBatches, batches[:pdfBatches]
	}
	for _, nd := range batches {
		bd, err := a.Trace(ctx, nd.Code)
		if err != nil {
			return r, err
		}
		involved, err := chk.Involved(ctx, &bd.Batch)
		if err != nil {
			return r, err
		}
		for _, in := range bd.Inspections {
			in = access.Inspection(in, involved)
			r.Inspections = append(r.Inspections, report.ReportInspection{Inspection: in, Agency: n.Org(in.Agency)})
		}
		for _, doc := range bd.Documents {
			if access.Document(doc, involved) {
				r.Documents = append(r.Documents, report.ReportDocument{Document: doc})
			}
		}
	}
	return r, nil
}

// pdfProofExtra is the longest entry, in base64 characters, whose
// offline proof the PDF prints whole (about 51 lines, so that the block
// still fits one page); longer ones print without the entry, naming its
// leaf hash.
const pdfProofExtra = 6000

// pdfProofs returns the offline proofs of the timeline's entries as the
// PDF prints them: whole for entries the viewer may read (unless too
// long), without the entry for the others.
func (a *App) pdfProofs(ctx context.Context, chk *access.Checker, timeline []store.Event) ([]report.EntryProof, error) {
	ps, err := a.newProver(ctx)
	if err != nil {
		return nil, err
	}
	var out []report.EntryProof
	for _, e := range timeline {
		read := a.ReadEntryBytes(ctx, chk, e)
		f, err := ps.prove(ctx, e, read)
		if err != nil {
			return nil, err
		}
		ep := report.EntryProof{Seq: e.Seq, Type: e.Type, Text: string(f.Text), Full: read, Withheld: !read, LeafHash: f.LeafHash, Entry: f.Entry}
		if read && base64.StdEncoding.EncodedLen(f.Entry) > pdfProofExtra {
			p, err := tlogproof.Parse(f.Text)
			if err != nil {
				return nil, err
			}
			p.Extra = nil
			text, err := tlogproof.Encode(p)
			if err != nil {
				return nil, err
			}
			ep.Text, ep.Full = string(text), false
		}
		out = append(out, ep)
	}
	return out, nil
}

// layerDistance is how many steps a graph layer is from the root.
func layerDistance(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Values are the query's URL parameters.
func (q TraceQuery) Values() url.Values {
	u := url.Values{"batch": {q.Batch}, "direction": {q.Direction}}
	if q.Depth > 0 {
		u.Set("depth", strconv.Itoa(q.Depth))
	}
	return u
}
