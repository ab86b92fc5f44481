package report

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// EntryProof is one timeline entry's offline proof, a C2SP tlog-proof
// file (c2sp.org/tlog-proof), as the report prints it: the whole file
// when Full, else the file without its extra line (the entry), either
// because the entry is too long to print or because the reader may not
// read it (Withheld); LeafHash then says what the entry hashes to.
type EntryProof struct {
	Seq      uint64
	Type     string // the entry's transaction type
	Text     string
	Full     bool
	Withheld bool
	LeafHash []byte
	Entry    int // the entry's length in bytes
}

// Proof text geometry: Courier at proofFont points, proofChars
// characters to a line (they fit the portrait page's text width).
const (
	proofFont  = 7.0
	proofChars = 118
	proofLine  = 3.1
)

// proofs prints the offline proofs, one monospace block per entry, after
// a note on how to check them and the keys to check them with.
func (p *pdfWriter) proofs(r PDFReport) {
	if len(r.Proofs) == 0 {
		return
	}
	tr := p.tr
	p.page("P")
	p.heading(tr.T("reports.pdf.proofs"))
	p.line("", 9, tr.T("reports.pdf.proofs_help"), 8)
	p.y += 2
	// The keys in the proofs' font, whole, one per line.
	p.line("B", 9, tr.T("reports.pdf.proofs_key"), 1)
	p.mono(strings.Split(r.LogKey, "\n"))
	if len(r.WitnessKeys) > 0 {
		p.y += 1
		p.line("B", 9, tr.T("reports.pdf.proofs_witness"), 1)
		p.mono(r.WitnessKeys)
	}
	for _, e := range r.Proofs {
		lines := strings.Split(strings.TrimSuffix(e.Text, "\n"), "\n")
		rows := 0
		for _, l := range lines {
			rows += max(1, (len(monoText(l))+proofChars-1)/proofChars)
		}
		p.y += 3
		// A block stays on one page (it does unless its entry is near
		// the longest printed), so that it reads, and copies, whole.
		p.room(min(4*pdfLine+proofLine*float64(rows), p.h-18-pdfMargin-1))
		p.ts.Write(pdfMargin, p.y, 0, "B", 10, tr.T("reports.pdf.proof_entry", "Seq", strconv.FormatUint(e.Seq, 10), "Type", tr.T("trace.tx."+e.Type)))
		p.y += pdfLine
		leaf := hex.EncodeToString(e.LeafHash)
		file := strconv.FormatUint(e.Seq, 10) + ".tlog-proof"
		switch {
		case e.Withheld:
			p.line("", 8.5, tr.T("reports.pdf.proof_withheld", "Leaf", leaf), 3)
		case !e.Full:
			p.line("", 8.5, tr.T("reports.pdf.proof_short", "Bytes", e.Entry, "Leaf", leaf, "File", file), 3)
		}
		p.y += 1
		p.mono(lines)
	}
}

// mono prints lines in Courier, breaking those longer than proofChars;
// a grey bar in the left margin marks a line that continues the one above.
func (p *pdfWriter) mono(lines []string) {
	pdf := p.pdf
	for _, l := range lines {
		text := monoText(l)
		for first := true; first || text != ""; first = false {
			n := min(len(text), proofChars)
			p.room(proofLine)
			if !first { // a bar, not text, so that copied text joins up
				pdf.SetDrawColor(150, 150, 150)
				pdf.SetLineWidth(0.5)
				pdf.Line(pdfMargin-2, p.y+0.3, pdfMargin-2, p.y+proofLine-0.3)
				pdf.SetLineWidth(0.2)
				pdf.SetDrawColor(0, 0, 0)
			}
			pdf.SetFont("Courier", "", proofFont)
			pdf.Text(pdfMargin, p.y+proofLine*0.8, text[:n])
			text = text[n:]
			p.y += proofLine
		}
	}
}

// monoText converts a proof line to the core Courier font's
// Windows-1252 bytes: ASCII as is, the em dash of signature lines, '?'
// for anything else (a key name beyond ASCII).
func monoText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '—':
			b.WriteByte(0x97)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
