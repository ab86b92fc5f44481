package tlogproof

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// testLog is a small RFC 6962 tree with a signed, cosigned checkpoint,
// made with x/mod's tlog and note and torchwood's cosignature/v1 signer,
// none of which this package wrote.
type testLog struct {
	records [][]byte
	hashes  []tlog.Hash // tlog's stored hashes
	logKey  note.Verifiers
	wits    []note.Verifier // cosigned
	other   note.Verifier   // a witness that did not cosign
	signed  []byte          // the checkpoint with the log's and two witnesses' signatures
}

func newTestLog(t *testing.T, n int) *testLog {
	t.Helper()
	l := &testLog{}
	for i := range n {
		rec := []byte(fmt.Sprintf("record %d", i))
		l.records = append(l.records, rec)
		hs, err := tlog.StoredHashes(int64(i), rec, l.reader())
		if err != nil {
			t.Fatal(err)
		}
		l.hashes = append(l.hashes, hs...)
	}
	root, err := tlog.TreeHash(int64(n), l.reader())
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "example.com/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	l.logKey = note.VerifierList(v)
	signers := []note.Signer{signer}
	for _, name := range []string{"witness1.example", "witness2.example", "witness3.example"} {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		cs, err := torchwood.NewCosignatureSigner(name, k)
		if err != nil {
			t.Fatal(err)
		}
		if name == "witness3.example" {
			l.other = cs.Verifier()
			continue
		}
		signers = append(signers, cs)
		l.wits = append(l.wits, cs.Verifier())
	}
	text := fmt.Sprintf("example.com/log\n%d\n%s\n", n, base64.StdEncoding.EncodeToString(root[:]))
	if l.signed, err = note.Sign(&note.Note{Text: text}, signers...); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *testLog) reader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = l.hashes[x]
		}
		return out, nil
	})
}

// proof is the proof of record i, the record in the extra line.
func (l *testLog) proof(t *testing.T, i int) Proof {
	t.Helper()
	p, err := tlog.ProveRecord(int64(len(l.records)), int64(i), l.reader())
	if err != nil {
		t.Fatal(err)
	}
	return Proof{Extra: l.records[i], Index: uint64(i), Hashes: p, Checkpoint: l.signed}
}

func (l *testLog) policy(quorum int) Policy {
	return Policy{Log: l.logKey, Witnesses: append(append([]note.Verifier{}, l.wits...), l.other), Quorum: quorum}
}

// TestRoundTrip encodes the proof of every record of a tree, parses it
// back to the same proof and verifies it: the leaf hash from the extra
// data, the log's signature, two of three witnesses, the inclusion proof.
func TestRoundTrip(t *testing.T) {
	l := newTestLog(t, 11)
	for i := range l.records {
		p := l.proof(t, i)
		text, err := Encode(p)
		if err != nil {
			t.Fatalf("Encode(%d): %v", i, err)
		}
		if !bytes.HasPrefix(text, []byte(Header+"\nextra "+base64.StdEncoding.EncodeToString(l.records[i])+fmt.Sprintf("\nindex %d\n", i))) ||
			!bytes.HasSuffix(text, append([]byte("\n\n"), l.signed...)) {
			t.Fatalf("proof %d:\n%s", i, text)
		}
		q, err := Parse(text)
		if err != nil {
			t.Fatalf("Parse(%d): %v\n%s", i, err, text)
		}
		if !bytes.Equal(q.Extra, p.Extra) || q.Index != p.Index || len(q.Hashes) != len(p.Hashes) || !bytes.Equal(q.Checkpoint, p.Checkpoint) {
			t.Fatalf("Parse(Encode(%d)) = %+v, want %+v", i, q, p)
		}
		for j := range p.Hashes {
			if q.Hashes[j] != p.Hashes[j] {
				t.Fatalf("proof %d hash %d differs", i, j)
			}
		}
		v, err := Verify(q, tlog.RecordHash(q.Extra), l.policy(2))
		if err != nil {
			t.Fatalf("Verify(%d): %v", i, err)
		}
		if v.Origin != "example.com/log" || v.Size != 11 || strings.Join(v.Cosigned, ",") != "witness1.example,witness2.example" || v.Witnesses != 3 || v.Quorum != 2 {
			t.Fatalf("Verify(%d) = %+v", i, v)
		}
	}
	// Without extra data and without proof hashes (a tree of one).
	one := newTestLog(t, 1)
	p := one.proof(t, 0)
	p.Extra = nil
	text, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := Header + "\nindex 0\n\n" + string(one.signed); string(text) != want {
		t.Fatalf("proof in a tree of one:\n%s\nwant\n%s", text, want)
	}
	if q, err := Parse(text); err != nil || q.Extra != nil || len(q.Hashes) != 0 {
		t.Fatalf("Parse: %+v %v", q, err)
	}
	if _, err := Verify(p, tlog.RecordHash(one.records[0]), one.policy(0)); err != nil {
		t.Fatal(err)
	}
}

// TestTamper changes a proof in one way at a time; each change is refused
// by Parse or Verify, with a reason that says what is wrong.
func TestTamper(t *testing.T) {
	l := newTestLog(t, 11)
	good := l.proof(t, 6)
	text, err := Encode(good)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(text), "\n")
	// lines: 0 header, 1 extra, 2 index, 3-6 hashes, 7 blank, 8 origin,
	// 9 size, 10 root, 11 blank, 12 log signature, 13-14 cosignatures.
	if len(lines) != 16 || lines[15] != "" || lines[7] != "\n" || lines[11] != "\n" {
		t.Fatalf("unexpected layout of the proof:\n%q", lines)
	}
	join := func(ls ...string) []byte { return []byte(strings.Join(ls, "")) }
	without := func(i int) []byte { return join(append(append([]string{}, lines[:i]...), lines[i+1:]...)...) }
	swap := func(i, j int) []byte {
		ls := append([]string{}, lines...)
		ls[i], ls[j] = ls[j], ls[i]
		return join(ls...)
	}
	with := func(i int, s string) []byte {
		ls := append([]string{}, lines...)
		ls[i] = s
		return join(ls...)
	}
	// flip64 flips one bit of the bytes a base64 line (after prefix) holds.
	flip64 := func(i int, prefix string, at int) []byte {
		line := strings.TrimSuffix(strings.TrimPrefix(lines[i], prefix), "\n")
		sp := ""
		if prefix == "— " { // a signature line: name, space, base64
			name, b64, _ := strings.Cut(line, " ")
			prefix, sp, line = prefix+name, " ", b64
		}
		b, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			t.Fatal(err)
		}
		b[at%len(b)] ^= 0x01
		return with(i, prefix+sp+base64.StdEncoding.EncodeToString(b)+"\n")
	}
	extraLine := strings.TrimSuffix(lines[1], "\n")
	cases := []struct {
		name string
		text []byte
		want string // in the error
	}{
		{"flip a byte of the entry", flip64(1, "extra ", 3), "inclusion proof does not lead"},
		{"flip a byte of a proof hash", flip64(4, "", 0), "inclusion proof does not lead"},
		{"another index", with(2, "index 7\n"), "inclusion proof does not lead"},
		{"index 0 with a leading zero", with(2, "index 06\n"), `index "06" is not a canonical decimal`},
		{"index past the tree", with(2, "index 11\n"), "index 11 is not in the checkpoint's tree of 11 leaves"},
		{"flip a byte of the root", flip64(10, "", 5), "log's signature of the checkpoint"},
		{"another size", with(9, "12\n"), "log's signature of the checkpoint"},
		{"flip a byte of the log's signature", flip64(12, "— ", 20), "log's signature of the checkpoint"},
		{"flip a byte of a cosignature", flip64(13, "— ", 20), "cosignature of witness witness1.example"},
		{"drop a cosignature: below the quorum", without(14), "cosigned by 1 of the 3 given witnesses (witness1.example), fewer than the quorum of 2"},
		{"drop the log's signature", without(12), "no given log key signed the checkpoint"},
		{"reorder proof hashes", swap(3, 4), "inclusion proof does not lead"},
		{"index before extra", swap(1, 2), "line 3: only one extra line then one index line"},
		{"drop a proof hash", without(5), "inclusion proof does not lead"},
		{"an extra proof hash line", with(3, lines[3]+lines[3]), "inclusion proof does not lead"},
		{"no index line", without(2), `line 3 is "`},
		{"a second extra line", with(1, lines[1]+lines[1]), `line 3 is "extra `},
		{"extra data not canonical base64", with(1, strings.TrimSuffix(extraLine, "=")+"\n"), "line 2: extra data is not canonical"},
		{"empty extra", with(1, "extra \n"), "line 2: extra data is not canonical"},
		{"a hash of 31 bytes", with(4, base64.StdEncoding.EncodeToString(make([]byte, 31))+"\n"), "line 5 is not a base64 SHA-256 hash"},
		{"another header", with(0, "c2sp.org/tlog-proof@v2\n"), `line 1 is "c2sp.org/tlog-proof@v2"`},
		{"CRLF line ends", []byte(strings.ReplaceAll(string(text), "\n", "\r\n")), "no blank line"},
		{"truncated in the signatures", text[:len(text)-40], "do not end with a newline"},
		{"truncated before the checkpoint", join(lines[:8]...), "no signature lines"},
		{"truncated in the proof", text[:len(lines[0])+len(lines[1])+10], "no blank line"},
		{"a line after the signatures", append(append([]byte{}, text...), "trailing\n"...), "not a well-formed signed note"},
		{"a blank line after the signatures", append(append([]byte{}, text...), '\n'), "followed by a blank line"},
		{"a repeated cosignature line", with(14, lines[14]+lines[14]), "repeats the signature line"},
		{"a blank line in the proof", with(5, "\n"+lines[5]), "signature lines are followed by a blank line"},
		{"an extension line in the checkpoint", with(10, lines[10]+"extension\n"), "log's signature of the checkpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if bytes.Equal(c.text, text) {
				t.Fatal("the tampered text is the original")
			}
			p, err := Parse(c.text)
			if err == nil {
				_, err = Verify(p, tlog.RecordHash(p.Extra), l.policy(2))
			}
			if err == nil {
				t.Fatalf("accepted:\n%s", c.text)
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnverified) {
				t.Errorf("error %v wraps neither ErrMalformed nor ErrUnverified", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
	// The untouched proof verifies with the same policy.
	p, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(p, tlog.RecordHash(p.Extra), l.policy(2)); err != nil {
		t.Fatal(err)
	}
	// The wrong log key, a log key of another name, an unmeetable quorum.
	_, vk, _ := note.GenerateKey(rand.Reader, "example.com/log")
	other, _ := note.NewVerifier(vk)
	for name, c := range map[string]struct {
		pol  Policy
		want string
	}{
		"another key of the same name": {Policy{Log: note.VerifierList(other)}, "no given log key signed"},
		"no log key":                   {Policy{}, "no log key given"},
		"quorum above the witnesses":   {Policy{Log: l.logKey, Witnesses: l.wits, Quorum: 3}, "a quorum of 3 among 2 witnesses cannot be met"},
		"an uncosigning witness":       {Policy{Log: l.logKey, Witnesses: []note.Verifier{l.other}, Quorum: 1}, "cosigned by 0 of the 1 given witnesses (none)"},
		"one witness given twice":      {Policy{Log: l.logKey, Witnesses: []note.Verifier{l.wits[0], l.wits[0]}, Quorum: 2}, "cosigned by 1 of the 2 given witnesses"},
	} {
		if _, err := Verify(p, tlog.RecordHash(p.Extra), c.pol); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// TestEncodeRefuses: Encode writes nothing that Parse would refuse.
func TestEncodeRefuses(t *testing.T) {
	l := newTestLog(t, 3)
	p := l.proof(t, 1)
	for name, q := range map[string]Proof{
		"empty extra":       {Extra: []byte{}, Index: p.Index, Hashes: p.Hashes, Checkpoint: p.Checkpoint},
		"no checkpoint":     {Extra: p.Extra, Index: p.Index, Hashes: p.Hashes},
		"index out of tree": {Extra: p.Extra, Index: 3, Hashes: p.Hashes, Checkpoint: p.Checkpoint},
		"unsigned":          {Extra: p.Extra, Index: p.Index, Hashes: p.Hashes, Checkpoint: []byte("example.com/log\n3\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n")},
	} {
		if text, err := Encode(q); err == nil || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Encode = %q, %v; want ErrMalformed", name, text, err)
		}
	}
}
