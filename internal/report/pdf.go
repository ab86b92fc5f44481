package report

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/plumbline/plumbline/internal/label"
	"github.com/plumbline/plumbline/models"
)

// PDFReport is everything the printed trace report shows. The caller
// decides what the reader may see: private documents, measurements and
// notes only for batches the reader's organization is involved with.
type PDFReport struct {
	Batch    models.Batch
	Product  string // the product's name
	Standard string // the product's standard, if any
	Names    Names
	Graph    *Graph
	Evidence Evidence
	Timeline []TimelineEntry
	// More is set when the batch's timeline goes on past Timeline.
	More        bool
	Inspections []ReportInspection
	Documents   []ReportDocument
	// Omitted counts batches of the trace whose inspections and
	// documents are left out for length.
	Omitted   int
	Generated time.Time
	URL       string // where the report lives online
	// Font is a TrueType font (CJK) for text Helvetica lacks; nil prints
	// such text as '?'.
	Font []byte
	// Proofs are the timeline's entries' offline proofs, printed at the
	// end with LogKey and WitnessKeys, the keys to check them with.
	Proofs      []EntryProof
	LogKey      string
	WitnessKeys []string
}

// Evidence is the ledger's proof that the batch is on it.
type Evidence struct {
	Kind string // "merkle" (embedded ledger) or "fabric"
	// The batch's first entry (its commissioning or split).
	Seq      uint64
	TxID     string
	LeafHash []byte
	Block    uint64 // Fabric
	// The latest signed checkpoint (embedded ledger).
	Size uint64
	Root []byte
	At   time.Time
}

// TimelineEntry is one ledger entry on the batch's timeline.
type TimelineEntry struct {
	Seq   uint64
	TxID  string
	Block uint64
	Type  string
	Org   string // name
	Time  time.Time
}

// ReportInspection is an inspection of a batch of the trace; Results and
// Notes are empty unless the reader may see them.
type ReportInspection struct {
	models.Inspection
	Agency string // name
}

// ReportDocument is a document of a batch of the trace.
type ReportDocument struct {
	models.Document
}

// Page geometry in mm.
const (
	pdfMargin = 15.0
	pdfLine   = 5.0
)

// pdfWriter lays out the report page by page.
type pdfWriter struct {
	pdf  *fpdf.Fpdf
	ts   *label.Typeset
	tr   Translator
	y    float64
	w, h float64 // the page's size
}

// WritePDF writes the trace report as a PDF: a cover (batch, product,
// status, ledger evidence), the timeline, the graph (drawn with PDF
// primitives, on a landscape page), inspections with their measurements,
// and documents with their SHA-256; every page has its number and the
// generation time in the footer.
func WritePDF(w io.Writer, r PDFReport, tr Translator) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(tr.T("reports.pdf.title")+" "+r.Batch.Code, true)
	pdf.SetCreator("Plumbline", true)
	pdf.SetCreationDate(r.Generated)
	pdf.SetCatalogSort(true)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AliasNbPages("{nb}")
	ts, err := label.NewTypeset(pdf, r.Font)
	if err != nil {
		return err
	}
	p := &pdfWriter{pdf: pdf, ts: ts, tr: tr}
	generated := r.Generated.UTC().Format("2006-01-02 15:04 UTC")
	pdf.SetFooterFunc(func() {
		w, h := pdf.GetPageSize()
		pdf.SetDrawColor(200, 200, 200)
		pdf.Line(pdfMargin, h-12, w-pdfMargin, h-12)
		pdf.SetTextColor(100, 100, 100)
		ts.Write(pdfMargin, h-11, w/2, "", 8, r.Batch.Code+" · "+tr.T("reports.pdf.generated", "At", generated))
		page := tr.T("reports.pdf.page", "Page", strconv.Itoa(pdf.PageNo()), "Pages", "{nb}")
		// {nb} becomes the page count when the PDF is written; measure
		// the line with two digits in its place.
		ts.Write(w-pdfMargin-ts.Width("", 8, strings.ReplaceAll(page, "{nb}", "99")), h-11, 0, "", 8, page)
		pdf.SetTextColor(0, 0, 0)
	})

	p.cover(r, generated)
	p.timeline(r)
	if r.Graph != nil && len(r.Graph.Nodes) > 0 {
		p.graph(r.Graph)
	}
	p.inspections(r)
	p.documents(r)
	p.proofs(r)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("report: write pdf: %w", err)
	}
	return nil
}

// page starts a new page in orientation "P" or "L".
func (p *pdfWriter) page(orientation string) {
	p.pdf.AddPageFormat(orientation, fpdf.SizeType{Wd: 210, Ht: 297})
	p.w, p.h = p.pdf.GetPageSize()
	p.y = pdfMargin
}

// room starts a new portrait page unless h mm are left on this one.
func (p *pdfWriter) room(h float64) {
	if p.y+h > p.h-18 {
		p.page("P")
	}
}

func (p *pdfWriter) heading(s string) {
	p.room(20)
	p.y += 3
	p.ts.Write(pdfMargin, p.y, 0, "B", 14, s)
	p.y += 9
}

// line writes text across the page, wrapped to at most lines lines.
func (p *pdfWriter) line(style string, size float64, s string, lines int) {
	for _, l := range p.ts.Wrap(s, p.w-2*pdfMargin, lines, style, size) {
		p.room(pdfLine)
		p.ts.WriteText(pdfMargin, p.y, style, size, l)
		p.y += size * 0.45
	}
}

// facts writes label: value lines in two columns.
func (p *pdfWriter) facts(kv [][2]string) {
	const col = 55.0
	for _, f := range kv {
		if f[1] == "" {
			continue
		}
		lines := p.ts.Wrap(f[1], p.w-2*pdfMargin-col, 3, "", 10)
		p.room(float64(len(lines)) * pdfLine)
		p.pdf.SetTextColor(90, 90, 90)
		p.ts.Write(pdfMargin, p.y, col-2, "", 10, f[0])
		p.pdf.SetTextColor(0, 0, 0)
		for _, l := range lines {
			p.ts.WriteText(pdfMargin+col, p.y, "", 10, l)
			p.y += pdfLine
		}
	}
}

// row writes one table row: cells of the given widths (mm).
func (p *pdfWriter) row(style string, widths []float64, cells ...string) {
	p.room(pdfLine)
	x := pdfMargin
	for i, c := range cells {
		p.ts.Write(x, p.y, widths[i]-1.5, style, 8.5, c)
		x += widths[i]
	}
	p.y += 4.6
}

func (p *pdfWriter) cover(r PDFReport, generated string) {
	p.page("P")
	b := r.Batch
	tr := p.tr
	p.ts.Write(pdfMargin, p.y, 0, "", 11, tr.T("reports.pdf.title"))
	p.y += 8
	p.ts.Write(pdfMargin, p.y, 0, "B", 22, b.Code)
	p.y += 12
	fill, stroke := StatusColour(b.Status)
	p.pdf.SetFillColor(hexColour(fill))
	p.pdf.SetDrawColor(hexColour(stroke))
	status := tr.T("trace.batch_status." + string(b.Status))
	p.pdf.RoundedRect(pdfMargin, p.y, p.ts.Width("B", 11, status)+8, 8, 2, "1234", "FD")
	p.ts.Write(pdfMargin+4, p.y+1.5, 0, "B", 11, status)
	p.y += 13
	p.facts([][2]string{
		{tr.T("trace.product"), r.Product},
		{tr.T("trace.standard"), r.Standard},
		{tr.T("trace.producer"), r.Names.Org(b.Producer)},
		{tr.T("trace.custodian"), r.Names.Org(b.Custodian)},
		{tr.T("trace.quantity"), b.Quantity.String() + " " + b.Unit},
		{tr.T("trace.produced_on"), b.ProducedOn},
		{tr.T("trace.heat"), b.HeatNumber},
		{tr.T("trace.lot"), b.LotNumber},
		{tr.T("reports.pdf.online"), r.URL},
	})
	p.heading(tr.T("trace.ledger"))
	e := r.Evidence
	kv := [][2]string{
		{tr.T("reports.pdf.ledger_kind"), tr.T("reports.pdf.ledger_kind." + e.Kind)},
		{tr.T("reports.pdf.entry"), seqText(e.Seq)},
		{tr.T("reports.pdf.tx"), e.TxID},
	}
	if e.Kind == "fabric" {
		kv = append(kv, [2]string{tr.T("reports.pdf.block"), strconv.FormatUint(e.Block, 10)})
	} else {
		kv = append(kv,
			[2]string{tr.T("reports.pdf.leaf"), hex.EncodeToString(e.LeafHash)},
			[2]string{tr.T("reports.pdf.checkpoint_size"), strconv.FormatUint(e.Size, 10)},
			[2]string{tr.T("reports.pdf.checkpoint_root"), hex.EncodeToString(e.Root)},
			[2]string{tr.T("reports.pdf.checkpoint_time"), e.At.UTC().Format("2006-01-02 15:04:05 UTC")})
	}
	p.facts(kv)
	p.y += 3
	if e.Kind != "" {
		p.line("", 9, tr.T("reports.pdf.evidence_help."+e.Kind), 4)
	}
	p.y += 2
	p.line("", 9, tr.T("reports.pdf.generated", "At", generated), 1)
}

func (p *pdfWriter) timeline(r PDFReport) {
	p.heading(p.tr.T("trace.timeline"))
	widths := []float64{28, 38, 60, 14, 40}
	p.row("B", widths, p.tr.T("reports.pdf.time"), p.tr.T("reports.pdf.what"), p.tr.T("reports.pdf.who"), p.tr.T("reports.pdf.entry"), p.tr.T("reports.pdf.tx"))
	for _, e := range r.Timeline {
		tx := e.TxID
		if e.Block > 0 {
			tx = p.tr.T("reports.pdf.block") + " " + strconv.FormatUint(e.Block, 10) + " · " + tx
		}
		p.row("", widths, e.Time.UTC().Format("2006-01-02 15:04"), p.tr.T("trace.tx."+e.Type), e.Org, seqText(e.Seq), tx)
	}
	if r.More {
		p.line("", 9, p.tr.T("trace.timeline.more", "Count", len(r.Timeline)), 1)
	}
}

// graph draws the trace graph on its own landscape page, scaled to fit.
func (p *pdfWriter) graph(g *Graph) {
	p.page("L")
	p.ts.Write(pdfMargin, p.y, 0, "B", 14, p.tr.T("reports.graph.heading"))
	p.y += 9
	p.line("", 9, p.tr.T("reports.pdf.graph_help", "Nodes", len(g.Nodes), "Usages", g.Usages), 2)
	l := Place(g)
	top := p.y + 2
	availW, availH := p.w-2*pdfMargin, p.h-top-18
	s := min(availW/l.Width, availH/l.Height, 0.35)
	x0 := pdfMargin + (availW-l.Width*s)/2
	pdf := p.pdf
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(110, 117, 125)
	for _, e := range g.Edges {
		from, ok1 := l.Box(e.From)
		to, ok2 := l.Box(e.To)
		if !ok1 || !ok2 {
			continue
		}
		x1, y1 := x0+(from.X+NodeW)*s, top+(from.Y+NodeH/2)*s
		x2, y2 := x0+to.X*s, top+(to.Y+NodeH/2)*s
		mx := (x1 + x2) / 2
		pdf.CurveBezierCubic(x1, y1, mx, y1, mx, y2, x2, y2, "D")
		a := 1.2 * s / 0.35 // arrow head
		pdf.Polygon([]fpdf.PointType{{X: x2, Y: y2}, {X: x2 - a, Y: y2 - a/2}, {X: x2 - a, Y: y2 + a/2}}, "F")
	}
	size := 11 * s / 0.3528 // 11 units of text, in points
	for _, b := range l.Boxes {
		lines, fill, stroke := boxText(b.Node, p.tr)
		pdf.SetFillColor(hexColour(fill))
		pdf.SetDrawColor(hexColour(stroke))
		pdf.SetLineWidth(0.2)
		if b.Root {
			pdf.SetLineWidth(0.6)
		}
		x, y := x0+b.X*s, top+b.Y*s
		pdf.RoundedRect(x, y, NodeW*s, NodeH*s, 6*s, "1234", "FD")
		for i, line := range lines[:min(3, len(lines))] {
			style := ""
			if i == 0 {
				style = "B"
			}
			p.ts.Write(x+6*s, y+(5+float64(i)*16)*s, (NodeW-10)*s, style, size, line)
		}
	}
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(0, 0, 0)
	p.page("P")
}

func (p *pdfWriter) inspections(r PDFReport) {
	tr := p.tr
	p.heading(tr.T("trace.inspections"))
	if len(r.Inspections) == 0 {
		p.line("", 10, tr.T("reports.pdf.none"), 1)
	}
	for _, in := range r.Inspections {
		p.room(14)
		verdict := tr.T("reports.pdf.verdict." + string(in.Verdict))
		p.ts.Write(pdfMargin, p.y, 0, "B", 10, in.BatchCode+" · "+in.Type+" · "+verdict)
		p.y += pdfLine
		p.line("", 9, in.Agency+" · "+in.InspectedAt+" · "+tr.T("reports.pdf.tx")+" "+in.TxID, 2)
		if in.Condition != "" {
			p.line("", 9, tr.T("trace.condition")+": "+in.Condition, 3)
		}
		if in.Notes != "" {
			p.line("", 9, tr.T("trace.notes")+": "+in.Notes, 6)
		}
		if len(in.Results) > 0 {
			widths := []float64{60, 40, 50, 20}
			p.row("B", widths, tr.T("trace.property"), tr.T("trace.value"), tr.T("trace.limits"), tr.T("trace.result"))
			for _, m := range in.Results {
				var lim []string
				if m.Min != nil {
					lim = append(lim, ">= "+m.Min.String())
				}
				if m.Max != nil {
					lim = append(lim, "<= "+m.Max.String())
				}
				res := tr.T("reports.pdf.pass")
				if !m.Pass {
					res = tr.T("reports.pdf.fail")
				}
				p.row("", widths, m.Property, strings.TrimSpace(m.Value.String()+" "+m.Unit), strings.Join(lim, " "), res)
			}
		}
		p.y += 2
	}
	if r.Omitted > 0 {
		p.line("", 9, tr.T("reports.pdf.omitted", "N", r.Omitted), 2)
	}
}

func (p *pdfWriter) documents(r PDFReport) {
	tr := p.tr
	p.heading(tr.T("reports.pdf.documents"))
	if len(r.Documents) == 0 {
		p.line("", 10, tr.T("reports.pdf.none"), 1)
	}
	for _, d := range r.Documents {
		p.room(15)
		p.ts.Write(pdfMargin, p.y, 0, "B", 10, d.Name)
		p.y += pdfLine
		p.line("", 9, d.BatchCode+" · "+tr.T("trace.doc."+string(d.Kind))+" · "+tr.T("reports.pdf.visibility."+string(d.Visibility))+" · "+d.AttachedAt, 2)
		p.ts.Write(pdfMargin, p.y, 0, "", 8.5, "SHA-256 "+d.SHA256)
		p.y += pdfLine + 1
	}
}

func seqText(seq uint64) string {
	if seq == 0 {
		return ""
	}
	return strconv.FormatUint(seq, 10)
}

// hexColour parses "#rrggbb".
func hexColour(s string) (r, g, b int) {
	v, _ := strconv.ParseUint(strings.TrimPrefix(s, "#"), 16, 32)
	return int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)
}
