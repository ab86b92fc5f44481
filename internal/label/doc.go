// Package label turns batches into the things people stick on them: a GS1
// Digital Link URI for the batch's public trace page, that URI as a QR code
// (PNG or SVG, cached), and an A4 sheet of printable labels as a PDF.
//
// The URI rule lives in Path; the HTTP resolver that serves those URIs is
// elsewhere and uses ParseDigitalLink and Matches to map a request back to
// a batch.
package label
