/*
 * proof.js — checks, in the browser, that a ledger entry shown on a public
 * trace page is really on the ledger. No dependencies, no build step, no
 * inline script and no eval: load it with
 *
 *   <script src="/static/js/proof.js" defer></script>
 *
 * DOM CONTRACT (the trace page follows this)
 * -----------------------------------------
 * On DOMContentLoaded every element with [data-proof-url] is checked once.
 *
 * Inputs (attributes on the [data-proof-url] element):
 *   data-proof-url       URL of the evidence JSON (same origin; fetched with
 *                        credentials "same-origin"). Required.
 *   data-verifier-key    The ledger's checkpoint verifier key, in
 *                        golang.org/x/mod/sumdb/note form
 *                        "<name>+<8 hex key hash>+<base64(0x01 || Ed25519 key)>"
 *                        (embedded.Ledger.VerifierKey()). Required for "merkle"
 *                        evidence. Put it in the page, not in the JSON: the
 *                        key is the trust anchor, the JSON is what is checked.
 *   data-msg-*           Message templates (see MESSAGES below), optional.
 *   data-reason-*        Reason strings (see REASONS below), optional.
 *   data-label-*         Labels of the details list (see LABELS), optional.
 *   data-lang            Locale for dates and numbers; defaults to the
 *                        nearest [lang] ancestor, then the browser's.
 *
 * Outputs:
 *   data-state           "verifying" while checking, then exactly one of
 *                          "verified"  every check below passed;
 *                          "failed"    the evidence was read and a check
 *                                      failed: the entry is NOT proven;
 *                          "error"     nothing could be checked (fetch failed,
 *                                      malformed JSON, missing or malformed
 *                                      verifier key, browser lacks Ed25519);
 *                          "recorded"  Fabric evidence: shown, not checked
 *                                      (there is no client-side check for it).
 *                        Style the page on this attribute. Any value the page
 *                        sets before the script runs (e.g. "unchecked") is
 *                        replaced, so a page can tell that the script ran.
 *   data-reason          On "failed" and "error": the key of the first check
 *                        that failed (one of the REASONS keys). Removed otherwise.
 *   data-proof-kind      The evidence kind read from the JSON ("merkle", "fabric").
 *   .proof-status        A child whose text is set to the human message; created
 *                        (as a <p role="status">) when missing. Text only, never HTML.
 *   .proof-details       Optional child. When present it is filled on
 *                        "verified" and "recorded" (emptied otherwise): as
 *                        <dt>/<dd> pairs when it is a <dl>, else as <li> items
 *                        ("label: value") when it is a <ul>/<ol>, else as <div>s.
 *   event "proofchecked" Dispatched on the element (bubbles) when done;
 *                        detail = {state, reason, values}.
 *
 * Message templates. {placeholders} are replaced with values; an unknown
 * placeholder is left as is. Attribute → default:
 *   data-msg-verifying  "Checking the ledger proof…"
 *   data-msg-verified   "Verified: entry {seq} is in the ledger of {size} entries signed by {name}"
 *   data-msg-failed     "Not verified: {reason}"
 *   data-msg-error      "Could not check the proof: {reason}"
 *   data-msg-fabric     "Fabric transaction {tx_id} in block {block}, block hash {block_hash}"
 * Placeholders: {seq} {leaf_index} {size} {name} (the checkpoint signer's key
 * name) {root} (hex) {time} (checkpoint time, localised) {tx_id} {org}
 * {user} {type} {tx_time} {block} {block_hash} (hex) {status} (HTTP status
 * on a fetch error) and {reason} (the reason string, itself a template).
 *
 * Reasons (data-reason-<key> → default). The first failing check is
 * reported; checks run in this order: fetch; JSON shape (format); kind;
 * WebCrypto present (unsupported); verifier key parses and its hash is the
 * key's (verifier-key); note splits into text and signature lines (note);
 * a signature line has the key's name AND hash (key); Ed25519 over the note
 * text, trailing newline included (signature); text is origin = key name,
 * size, 32-byte base64 root and, in checkpoints signed before the log had
 * an origin, an RFC 3339 time line (note); checkpoint.size = note
 * size (size); checkpoint.root = note root (root); SHA-256(0x00 || entry) =
 * leaf_hash (leaf); entry and its tx decode with no trailing bytes (entry);
 * entry seq = seq >= 1 and leaf_index = seq − 1 (seq); entry tx id = tx_id
 * (tx); leaf_index < size (size); the audit path from the leaf reproduces
 * the note's root (root); then, only with org_certificate:
 * SHA-256(certificate) = the entry's fingerprint (certificate) and ECDSA
 * (org-signature).
 *   error:  fetch          "the proof could not be fetched"
 *           format         "the proof is not in the expected format"
 *           kind           "the proof is of an unknown kind"
 *           unsupported    "this browser cannot check Ed25519 signatures"
 *           verifier-key   "the page has no valid verifier key"
 *   failed: note           "the signed checkpoint is malformed"
 *           key            "the checkpoint is not signed by the expected key"   (no signature line with the key's name and hash)
 *           signature      "the checkpoint signature is invalid"                (Ed25519 over the note text)
 *           size           "the tree size does not match the signed checkpoint" (checkpoint.size vs note; leaf_index < size)
 *           root           "the proof does not lead to the signed root"         (checkpoint.root vs note; audit path)
 *           leaf           "the entry does not match its leaf hash"             (SHA-256(0x00 || entry) vs leaf_hash)
 *           entry          "the entry is malformed"
 *           seq            "the entry's sequence number does not match the proof" (entry seq vs seq; leaf_index = seq − 1)
 *           tx             "the entry's transaction ID does not match the proof"
 *           certificate    "the organization certificate does not match the entry"
 *           org-signature  "the organization's signature on the transaction is invalid"
 *
 * Details labels (data-label-<key> → default): seq "Entry", leaf-index
 * "Leaf index", size "Tree size", root "Root hash", time "Checkpoint time",
 * signer "Signed by", tx-id "Transaction", org "Organization", type "Type",
 * org-signature "Organization signature", checked "checked" (its value),
 * block "Block", block-hash "Block hash".
 *
 * EVIDENCE JSON (ledger.Evidence as Go marshals it; []byte as standard base64)
 *   merkle: {kind, seq, tx_id, entry, leaf_index, leaf_hash, proof[],
 *            checkpoint: {size, root, note, time}}
 *           plus, optionally, org_certificate: base64 DER X.509 certificate of
 *           the organization that signed the entry (embedded.Ledger.Certificate
 *           of the entry's certificate fingerprint). When present, its SHA-256
 *           must equal the fingerprint inside the entry, and the entry's ECDSA
 *           P-256 signature over the tx bytes must verify with its key. (The
 *           certificate's chain to the CA is not checked here.)
 *   fabric: {kind, seq, tx_id, block, block_hash}
 * Numbers above 2^53 are not supported (JSON numbers lose precision there).
 *
 * WebCrypto (crypto.subtle) exists only in secure contexts: serve the trace
 * page over HTTPS (or from localhost), or every merkle check ends in
 * "error"/"unsupported".
 *
 * Byte layouts are those of ledger/embedded/doc.go.
 */
(function () {
  "use strict";

  var MESSAGES = {
    verifying: "Checking the ledger proof\u2026",
    verified: "Verified: entry {seq} is in the ledger of {size} entries signed by {name}",
    failed: "Not verified: {reason}",
    error: "Could not check the proof: {reason}",
    fabric: "Fabric transaction {tx_id} in block {block}, block hash {block_hash}"
  };

  var REASONS = {
    "fetch": "the proof could not be fetched",
    "format": "the proof is not in the expected format",
    "kind": "the proof is of an unknown kind",
    "unsupported": "this browser cannot check Ed25519 signatures",
    "verifier-key": "the page has no valid verifier key",
    "note": "the signed checkpoint is malformed",
    "key": "the checkpoint is not signed by the expected key",
    "signature": "the checkpoint signature is invalid",
    "size": "the tree size does not match the signed checkpoint",
    "root": "the proof does not lead to the signed root",
    "leaf": "the entry does not match its leaf hash",
    "entry": "the entry is malformed",
    "seq": "the entry's sequence number does not match the proof",
    "tx": "the entry's transaction ID does not match the proof",
    "certificate": "the organization certificate does not match the entry",
    "org-signature": "the organization's signature on the transaction is invalid"
  };

  var LABELS = {
    "seq": "Entry",
    "leaf-index": "Leaf index",
    "size": "Tree size",
    "root": "Root hash",
    "time": "Checkpoint time",
    "signer": "Signed by",
    "tx-id": "Transaction",
    "org": "Organization",
    "type": "Type",
    "org-signature": "Organization signature",
    "checked": "checked",
    "block": "Block",
    "block-hash": "Block hash"
  };

  // ProofError carries the state ("failed" or "error") and the reason key.
  function ProofError(state, reason, detail) {
    this.state = state;
    this.reason = reason;
    this.detail = detail || "";
  }
  function fail(reason, detail) { return new ProofError("failed", reason, detail); }
  function trouble(reason, detail) { return new ProofError("error", reason, detail); }

  // ---- bytes ---------------------------------------------------------------

  var utf8 = new TextEncoder();
  var utf8Strict = new TextDecoder("utf-8", { fatal: true });

  // b64 decodes standard, padded base64 (Go's encoding/base64.StdEncoding).
  function b64(s) {
    if (typeof s !== "string" || s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
      return null;
    }
    var bin;
    try { bin = atob(s); } catch (e) { return null; }
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function hex(b) {
    var s = "";
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
    return s;
  }

  function equal(a, b) {
    if (!a || !b || a.length !== b.length) return false;
    var d = 0;
    for (var i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }

  function concat() {
    var n = 0, i;
    for (i = 0; i < arguments.length; i++) n += arguments[i].length;
    var out = new Uint8Array(n), off = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], off); off += arguments[i].length; }
    return out;
  }

  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }

  var LEAF = Uint8Array.of(0), NODE = Uint8Array.of(1);

  // Reader reads the big-endian, length-prefixed fields of ledger/embedded's
  // canonical encodings; any overrun throws fail("entry").
  function Reader(b) { this.b = b; this.off = 0; }
  Reader.prototype.next = function (n) {
    if (n > this.b.length - this.off) throw fail("entry", "truncated");
    var s = this.b.subarray(this.off, this.off + n);
    this.off += n;
    return s;
  };
  Reader.prototype.u32 = function () {
    var s = this.next(4);
    return ((s[0] << 24) >>> 0) + (s[1] << 16) + (s[2] << 8) + s[3];
  };
  Reader.prototype.u64 = function () {
    var hi = BigInt(this.u32()), lo = BigInt(this.u32());
    return (hi << 32n) | lo;
  };
  Reader.prototype.bytes = function () { return this.next(this.u32()); };
  Reader.prototype.str = function () {
    try { return utf8Strict.decode(this.bytes()); } catch (e) {
      if (e instanceof ProofError) throw e;
      throw fail("entry", "not UTF-8");
    }
  };
  // magic reads a 4-byte magic and a version byte, 1 or 2, and returns the
  // version.
  Reader.prototype.magic = function (m) {
    var s = this.next(5);
    for (var i = 0; i < 4; i++) if (s[i] !== m.charCodeAt(i)) throw fail("entry", "bad magic");
    if (s[4] !== 1 && s[4] !== 2) throw fail("entry", "bad version");
    return s[4];
  };
  Reader.prototype.end = function () {
    if (this.off !== this.b.length) throw fail("entry", "trailing bytes");
  };

  // decodeEntry parses
  //   entry  = "PLBE" 0x01 u64(seq) str(tx) u32(n) n×(str(key) str(value)) str(fp) str(sig)
  //   tx     = "PLBT" 0x01 str(txid) i64(time ns) str(org) str(user) str(role)
  //            str(type) str(idempotency key) str(args)
  // or entry v2, whose private fields are committed and writes digested:
  //   entry2 = "PLBE" 0x02 u64(seq) str(tx2) writes digest(32) fp(32) str(sig)
  //   tx2    = "PLBT" 0x02 … str(idempotency key) u8(contract version) str(committed args)
  function decodeEntry(b) {
    var r = new Reader(b);
    var version = r.magic("PLBE");
    var e = { seq: r.u64(), version: version };
    e.txRaw = r.bytes();
    e.writes = [];
    if (version === 1) {
      var n = r.u32();
      if (n > b.length) throw fail("entry", "write count");
      for (var i = 0; i < n; i++) e.writes.push({ key: r.str(), value: r.bytes() });
      e.fingerprint = r.bytes();
    } else {
      e.writesDigest = r.next(32);
      e.fingerprint = r.next(32);
    }
    e.signature = r.bytes();
    r.end();
    if (e.fingerprint.length !== 32) throw fail("entry", "fingerprint length");
    var t = new Reader(e.txRaw);
    if (t.magic("PLBT") !== version) throw fail("entry", "tx version");
    e.txID = t.str();
    e.timeNs = BigInt.asIntN(64, t.u64());
    e.org = t.str();
    e.user = t.str();
    e.role = t.str();
    e.type = t.str();
    e.idempotencyKey = t.str();
    if (version === 2) e.contractVersion = t.next(1)[0];
    e.args = t.str();
    t.end();
    return e;
  }

  // ---- signed note (golang.org/x/mod/sumdb/note) -----------------------------

  // parseVerifierKey parses "<name>+<hash hex>+<base64(alg || key)>" and
  // checks that the hash is the key's: the first 4 bytes (big-endian) of
  // SHA-256(name || "\n" || alg || key). alg is 1 (Ed25519 note keys, the
  // default) or 4 (C2SP cosignature/v1 keys of witnesses).
  function parseVerifierKey(vkey, alg) {
    alg = alg || 1;
    if (!vkey) return Promise.reject(trouble("verifier-key", "missing"));
    var i = vkey.indexOf("+"), j = i < 0 ? -1 : vkey.indexOf("+", i + 1);
    if (i <= 0 || j < 0) return Promise.reject(trouble("verifier-key", "shape"));
    var name = vkey.slice(0, i), hashHex = vkey.slice(i + 1, j), key = b64(vkey.slice(j + 1));
    if (!/^[0-9a-f]{8}$/.test(hashHex) || /[\s+]/.test(name) || !key || key.length !== 33 || key[0] !== alg) {
      return Promise.reject(trouble("verifier-key", "shape"));
    }
    var hash = parseInt(hashHex, 16);
    return sha256(concat(utf8.encode(name + "\n"), key)).then(function (d) {
      if (u32(d, 0) !== hash) throw trouble("verifier-key", "hash");
      return { name: name, hash: hash, key: key.subarray(1) };
    });
  }

  function u32(b, off) {
    return ((b[off] << 24) >>> 0) + (b[off + 1] << 16) + (b[off + 2] << 8) + b[off + 3];
  }

  // parseNote splits a signed note into its text (ending in "\n") and its
  // signature lines "— <name> <base64(4-byte key hash || signature)>".
  function parseNote(msg) {
    if (typeof msg !== "string") throw fail("note", "not a string");
    var split = msg.lastIndexOf("\n\n");
    if (split < 0) throw fail("note", "no signature block");
    var text = msg.slice(0, split + 1), block = msg.slice(split + 2);
    if (block === "" || block.charAt(block.length - 1) !== "\n") throw fail("note", "unterminated signatures");
    var sigs = block.slice(0, -1).split("\n").map(function (line) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(line);
      var raw = m && b64(m[2]);
      if (!raw || raw.length < 5) throw fail("note", "bad signature line");
      return { name: m[1], hash: u32(raw, 0), sig: raw.subarray(4) };
    });
    return { text: text, sigs: sigs };
  }

  // verifyNote checks that the note carries a valid Ed25519 signature by the
  // verifier key (name and hash must both match) over its text bytes.
  function verifyNote(note, vk) {
    var sig = null;
    note.sigs.forEach(function (s) { if (!sig && s.name === vk.name && s.hash === vk.hash) sig = s; });
    if (!sig) return Promise.reject(fail("key"));
    if (sig.sig.length !== 64) return Promise.reject(fail("signature", "length"));
    return crypto.subtle.importKey("raw", vk.key, { name: "Ed25519" }, false, ["verify"])
      .catch(function (e) { throw trouble("unsupported", String(e)); })
      .then(function (key) {
        return crypto.subtle.verify({ name: "Ed25519" }, key, sig.sig, utf8.encode(note.text));
      })
      .then(function (ok) { if (!ok) throw fail("signature"); });
  }

  // parseCheckpointText reads a C2SP checkpoint, "<origin>\n<size>\n<base64
  // root>\n", or one signed before the log had an origin, which adds an
  // "<RFC 3339 time>\n" line. A C2SP checkpoint's time is not signed: it is
  // the time of its last entry, taken from unsignedTime (checkpoint.time).
  function parseCheckpointText(text, origin, unsignedTime) {
    var lines = text.split("\n");
    if ((lines.length !== 4 && lines.length !== 5) || lines[lines.length - 1] !== "" || lines[0] !== origin) throw fail("note", "lines");
    if (!/^(0|[1-9][0-9]{0,19})$/.test(lines[1])) throw fail("note", "size");
    var root = b64(lines[2]);
    if (!root || root.length !== 32) throw fail("note", "root");
    var time = lines.length === 5 ? lines[3] : String(unsignedTime || "");
    var ms = Date.parse(time);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(time) || isNaN(ms)) {
      if (lines.length === 5) throw fail("note", "time");
      time = ""; ms = NaN;
    }
    return { size: BigInt(lines[1]), root: root, time: time, timeMs: ms };
  }

  // ---- RFC 6962 / RFC 9162 inclusion proof -----------------------------------

  // rootFromInclusionProof runs RFC 9162 §2.1.3.2 and returns the computed
  // root, or null when the path has the wrong length for index and size.
  function rootFromInclusionProof(index, size, leaf, path) {
    if (index >= size) return Promise.resolve(null);
    var fn = index, sn = size - 1n, i = 0;
    function step(r) {
      if (i === path.length) return sn === 0n ? r : null;
      if (sn === 0n) return null;
      var p = path[i++], next;
      if ((fn & 1n) === 1n || fn === sn) {
        next = sha256(concat(NODE, p, r));
        if ((fn & 1n) === 0n) {
          while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
        }
      } else {
        next = sha256(concat(NODE, r, p));
      }
      fn >>= 1n; sn >>= 1n;
      return next.then(step);
    }
    return Promise.resolve(step(leaf));
  }

  // ---- organization certificate (optional) ---------------------------------

  // der reads one DER TLV at off: {tag, start (of value), end, all (TLV bytes)}.
  function der(b, off) {
    if (off + 2 > b.length) throw fail("certificate", "der");
    var tag = b[off], len = b[off + 1], p = off + 2;
    if (len & 0x80) {
      var n = len & 0x7f;
      if (n < 1 || n > 3 || p + n > b.length) throw fail("certificate", "der length");
      len = 0;
      for (var i = 0; i < n; i++) len = len * 256 + b[p++];
    }
    if (p + len > b.length) throw fail("certificate", "der overrun");
    return { tag: tag, start: p, end: p + len, all: b.subarray(off, p + len) };
  }

  // certSPKI returns the SubjectPublicKeyInfo of an X.509 certificate:
  // Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version OPTIONAL, serial,
  // signature, issuer, validity, subject, subjectPublicKeyInfo, … }, … }
  function certSPKI(cert) {
    var c = der(cert, 0);
    if (c.tag !== 0x30 || c.end !== cert.length) throw fail("certificate", "not a certificate");
    var tbs = der(cert, c.start);
    if (tbs.tag !== 0x30) throw fail("certificate", "no tbs");
    var f = der(cert, tbs.start);
    if (f.tag === 0xa0) f = der(cert, f.end); // version
    for (var i = 0; i < 5; i++) f = der(cert, f.end); // serial … subject → spki
    if (f.tag !== 0x30) throw fail("certificate", "no spki");
    return f.all;
  }

  // rawECDSA turns an ASN.1 ECDSA-Sig-Value (SEQUENCE {r INTEGER, s INTEGER})
  // into WebCrypto's r || s, 32 bytes each.
  function rawECDSA(sig) {
    var bad = fail("org-signature", "asn.1");
    var seq;
    try { seq = der(sig, 0); } catch (e) { throw bad; }
    if (seq.tag !== 0x30 || seq.end !== sig.length) throw bad;
    var out = new Uint8Array(64), off = seq.start;
    for (var k = 0; k < 2; k++) {
      var n;
      try { n = der(sig, off); } catch (e) { throw bad; }
      if (n.tag !== 0x02) throw bad;
      var v = sig.subarray(n.start, n.end);
      while (v.length > 0 && v[0] === 0) v = v.subarray(1);
      if (v.length > 32) throw bad;
      out.set(v, 32 * k + 32 - v.length);
      off = n.end;
    }
    if (off !== seq.end) throw bad;
    return out;
  }

  function verifyOrgSignature(certB64, entry) {
    var cert = b64(certB64);
    if (!cert) return Promise.reject(trouble("format", "org_certificate"));
    return sha256(cert).then(function (fp) {
      if (!equal(fp, entry.fingerprint)) throw fail("certificate", "fingerprint");
      var spki = certSPKI(cert), sig = rawECDSA(entry.signature);
      return crypto.subtle.importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
        .catch(function () { throw fail("certificate", "key is not ECDSA P-256"); })
        .then(function (key) {
          return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, sig, entry.txRaw);
        })
        .then(function (ok) { if (!ok) throw fail("org-signature"); });
    });
  }

  // ---- evidence ------------------------------------------------------------

  function isCount(n) { return typeof n === "number" && Number.isSafeInteger(n) && n >= 0; }

  // verifyMerkle runs every check on merkle evidence and resolves to the
  // values the messages and details show; it rejects with a ProofError.
  function verifyMerkle(ev, vkeyText) {
    var cp = ev.checkpoint;
    var entry = b64(ev.entry), leafHash = b64(ev.leaf_hash), cpRoot = cp && b64(cp.root);
    var proofIn = ev.proof == null ? [] : ev.proof;
    var path = Array.isArray(proofIn) ? proofIn.map(b64) : null;
    if (!isCount(ev.seq) || typeof ev.tx_id !== "string" || !entry || !isCount(ev.leaf_index) || !leafHash ||
        !path || path.indexOf(null) >= 0 || !cp || !isCount(cp.size) || !cpRoot || typeof cp.note !== "string" ||
        (ev.org_certificate != null && typeof ev.org_certificate !== "string")) {
      return Promise.reject(trouble("format"));
    }
    if (!window.crypto || !crypto.subtle) return Promise.reject(trouble("unsupported", "no WebCrypto"));
    var vk, note, signed, e, values = {};
    return parseVerifierKey(vkeyText).then(function (k) {
      vk = k;
      note = parseNote(cp.note);
      return verifyNote(note, vk);
    }).then(function () {
      signed = parseCheckpointText(note.text, vk.name, cp.time);
      if (BigInt(cp.size) !== signed.size) throw fail("size", "checkpoint.size differs from the note");
      if (!equal(cpRoot, signed.root)) throw fail("root", "checkpoint.root differs from the note");
      return sha256(concat(LEAF, entry));
    }).then(function (leaf) {
      if (!equal(leaf, leafHash)) throw fail("leaf");
      e = decodeEntry(entry);
      var seq = BigInt(ev.seq);
      if (e.seq !== seq || seq === 0n || BigInt(ev.leaf_index) !== seq - 1n) throw fail("seq");
      if (e.txID !== ev.tx_id) throw fail("tx");
      if (BigInt(ev.leaf_index) >= signed.size) throw fail("size", "leaf index beyond the tree");
      if (path.some(function (p) { return p.length !== 32; })) throw fail("root", "proof hash length");
      return rootFromInclusionProof(BigInt(ev.leaf_index), signed.size, leaf, path);
    }).then(function (root) {
      if (!root || !equal(root, signed.root)) throw fail("root", "audit path");
      if (ev.org_certificate != null) return verifyOrgSignature(ev.org_certificate, e).then(function () { return true; });
      return false;
    }).then(function (orgChecked) {
      values.seq = String(e.seq);
      values.leaf_index = String(ev.leaf_index);
      values.size = String(signed.size);
      values.name = vk.name;
      values.root = hex(signed.root);
      values.time_iso = signed.time;
      values.time_ms = signed.timeMs;
      values.tx_id = e.txID;
      values.org = e.org;
      values.user = e.user;
      values.type = e.type;
      values.tx_time_ms = Number(e.timeNs / 1000000n);
      values.org_checked = orgChecked;
      return values;
    });
  }

  // ---- rendering -------------------------------------------------------------

  function attr(el, prefix, key, defaults) {
    var v = el.getAttribute(prefix + key);
    return v != null ? v : defaults[key];
  }

  function fill(template, values) {
    return String(template).replace(/\{([a-z_]+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(values, k) && values[k] != null ? String(values[k]) : m;
    });
  }

  function locale(el) {
    var l = el.getAttribute("data-lang");
    if (l) return l;
    var a = el.closest("[lang]");
    return (a && a.getAttribute("lang")) || undefined;
  }

  function formatTime(el, ms) {
    if (typeof ms !== "number" || isNaN(ms)) return "";
    try {
      return new Date(ms).toLocaleString(locale(el), { timeZone: "UTC", dateStyle: "medium", timeStyle: "long" });
    } catch (e) {
      return new Date(ms).toISOString();
    }
  }

  function statusNode(el) {
    var s = el.querySelector(".proof-status");
    if (!s) {
      s = document.createElement("p");
      s.className = "proof-status";
      s.setAttribute("role", "status");
      el.appendChild(s);
    }
    return s;
  }

  function renderDetails(el, rows) {
    var box = el.querySelector(".proof-details");
    if (!box) return;
    box.replaceChildren();
    var tag = box.tagName;
    rows.forEach(function (row) {
      var label = attr(el, "data-label-", row[0], LABELS), value = row[1];
      if (tag === "DL") {
        var dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = label;
        dd.textContent = value;
        dd.setAttribute("data-key", row[0]);
        if (row[2]) { var t = document.createElement("time"); t.dateTime = row[2]; t.textContent = value; dd.replaceChildren(t); }
        box.append(dt, dd);
      } else {
        var item = document.createElement(tag === "UL" || tag === "OL" ? "li" : "div");
        item.setAttribute("data-key", row[0]);
        item.textContent = label + ": " + value;
        box.append(item);
      }
    });
  }

  function finish(el, state, reason, values) {
    el.setAttribute("data-state", state);
    if (reason) el.setAttribute("data-reason", reason); else el.removeAttribute("data-reason");
    var text;
    if (state === "verified") {
      text = fill(attr(el, "data-msg-", "verified", MESSAGES), values);
    } else if (state === "recorded") {
      text = fill(attr(el, "data-msg-", "fabric", MESSAGES), values);
    } else {
      var r = fill(attr(el, "data-reason-", reason, REASONS) || reason, values);
      var v = Object.assign({}, values, { reason: r });
      text = fill(attr(el, "data-msg-", state, MESSAGES), v);
    }
    statusNode(el).textContent = text;
    if (state === "verified") {
      var rows = [
        ["seq", values.seq], ["leaf-index", values.leaf_index], ["size", values.size],
        ["root", values.root], ["time", values.time, values.time_iso], ["signer", values.name],
        ["tx-id", values.tx_id], ["org", values.org], ["type", values.type]
      ];
      if (values.org_checked) rows.push(["org-signature", attr(el, "data-label-", "checked", LABELS)]);
      renderDetails(el, rows);
    } else if (state === "recorded") {
      renderDetails(el, [["seq", values.seq], ["tx-id", values.tx_id], ["block", values.block], ["block-hash", values.block_hash]]);
    } else {
      renderDetails(el, []);
    }
    el.dispatchEvent(new CustomEvent("proofchecked", { bubbles: true, detail: { state: state, reason: reason || "", values: values } }));
  }

  function check(el) {
    var url = el.getAttribute("data-proof-url");
    el.setAttribute("data-state", "verifying");
    el.removeAttribute("data-reason");
    statusNode(el).textContent = attr(el, "data-msg-", "verifying", MESSAGES);
    var values = {};
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .catch(function (e) { throw trouble("fetch", String(e)); })
      .then(function (resp) {
        values.status = String(resp.status);
        if (!resp.ok) throw trouble("fetch", "HTTP " + resp.status);
        return resp.json().catch(function () { throw trouble("format", "not JSON"); });
      })
      .then(function (ev) {
        if (!ev || typeof ev !== "object") throw trouble("format");
        if (typeof ev.kind === "string") el.setAttribute("data-proof-kind", ev.kind);
        if (ev.kind === "fabric") {
          var bh = ev.block_hash == null ? new Uint8Array(0) : b64(ev.block_hash);
          if (typeof ev.tx_id !== "string" || !isCount(ev.block) || !bh) throw trouble("format");
          values.seq = isCount(ev.seq) ? String(ev.seq) : "";
          values.tx_id = ev.tx_id;
          values.block = String(ev.block);
          values.block_hash = hex(bh);
          finish(el, "recorded", "", values);
          return;
        }
        if (ev.kind !== "merkle") throw trouble("kind");
        return verifyMerkle(ev, el.getAttribute("data-verifier-key")).then(function (v) {
          Object.assign(values, v);
          values.time = formatTime(el, v.time_ms);
          values.tx_time = formatTime(el, v.tx_time_ms);
          finish(el, "verified", "", values);
        });
      })
      .catch(function (err) {
        if (!(err instanceof ProofError)) err = trouble("format", String(err));
        if (err.detail && window.console) console.info("proof check of " + url + ": " + err.reason + ": " + err.detail);
        finish(el, err.state, err.reason, values);
      });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-proof-url]"), check);
  }

  // The note and checkpoint helpers, for witness.js.
  window.PlumblineProof = {
    b64: b64, hex: hex, equal: equal, concat: concat, sha256: sha256, utf8: utf8,
    parseVerifierKey: parseVerifierKey, parseNote: parseNote, verifyNote: verifyNote,
    parseCheckpointText: parseCheckpointText, ProofError: ProofError, fail: fail, trouble: trouble,
    decodeEntry: decodeEntry, rootFromInclusionProof: rootFromInclusionProof, LEAF: LEAF
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
