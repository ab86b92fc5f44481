/*
 * witness.js — the trace page checks the ledger's history by itself.
 *
 * On the element with data-checkpoint-url (#ledger-watch) it:
 *   1. fetches the latest checkpoint (GET data-checkpoint-url, the JSON of
 *      /api/v1/ledger/checkpoint) and checks the log's signature with the
 *      page's data-verifier-key;
 *   2. when the page names witnesses (data-witnesses: their cosignature
 *      verifier keys, space separated; data-quorum), checks the
 *      cosignatures (C2SP tlog-cosignature, cosignature/v1) on the newest
 *      witnessed checkpoint the server gives (witnessing.witnessed), and an
 *      RFC 6962 consistency proof (GET data-consistency-url?from=W&to=N)
 *      that the latest checkpoint extends it: "witnessed by k of n";
 *   3. remembers, in localStorage under "plumbline.checkpoint.<hex of the
 *      log's Ed25519 public key>" (which an origin change keeps),
 *      the largest checkpoint it has verified for this log, and on every
 *      later visit checks that the new one is not smaller (else: rolled
 *      back) and extends it by a consistency proof (else: forked);
 *   4. keeps the largest witnessed checkpoint it verified (its note with
 *      the cosignatures) and, on finding the ledger rolled back or forked,
 *      presents it to the server (POST data-evidence-url), which stops
 *      writes on such verifiable evidence; data-reported="yes" then.
 * The outcome is data-state on the element (checking, witnessed,
 * unwitnessed, nowitnesses, rolledback, forked, error), data-k/data-n, and
 * the localised message of data-msg-<state> in .watch-status, with
 * {k} {n} {names} {size} {wsize} {quorum} {seen} {reason} and {since}.
 *
 * Requires proof.js (window.PlumblineProof) loaded before it.
 */
(function () {
  "use strict";

  var P = window.PlumblineProof;
  if (!P) return;
  var NODE = 1;

  function fill(tpl, values) {
    return String(tpl || "").replace(/\{([a-z_]+)\}/g, function (m, k) { return values[k] == null ? "" : String(values[k]); });
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (resp) {
        return resp.json().catch(function () { return null; }).then(function (body) { return { status: resp.status, ok: resp.ok, body: body }; });
      });
  }

  // verifyCheckpoint checks the log's signature on cp.note and that the
  // note says cp's size and root; it resolves to {origin, size, root}.
  function verifyCheckpoint(cp, vk) {
    if (!cp || typeof cp.note !== "string") return Promise.reject(P.trouble("format"));
    var note = P.parseNote(cp.note);
    return P.verifyNote(note, vk).then(function () {
      var t = P.parseCheckpointText(note.text, vk.name, cp.time);
      if (typeof cp.size !== "number" || BigInt(cp.size) !== t.size || !P.equal(P.b64(cp.root), t.root)) throw P.fail("size");
      return { origin: vk.name, size: t.size, root: t.root, note: note };
    });
  }

  // cosigned counts the valid cosignatures (cosignature/v1: 8 bytes of
  // big-endian UNIX time, then Ed25519 over "cosignature/v1\ntime <t>\n"
  // and the checkpoint text) of the witnesses wks on note.
  function cosigned(note, wks) {
    return Promise.all(wks.map(function (wk) {
      var sig = null;
      note.sigs.forEach(function (s) { if (!sig && s.name === wk.name && s.hash === wk.hash) sig = s; });
      if (!sig || sig.sig.length !== 72) return Promise.resolve(null);
      var view = new DataView(sig.sig.buffer, sig.sig.byteOffset, 8);
      var t = view.getBigUint64(0);
      var msg = P.concat(P.utf8.encode("cosignature/v1\ntime " + t.toString() + "\n"), P.utf8.encode(note.text));
      return crypto.subtle.importKey("raw", wk.key, { name: "Ed25519" }, false, ["verify"])
        .then(function (key) { return crypto.subtle.verify({ name: "Ed25519" }, key, sig.sig.subarray(8), msg); })
        .then(function (ok) { return ok ? wk.name : null; }, function () { return null; });
    })).then(function (names) { return names.filter(Boolean); });
  }

  function nodeHash(l, r) { return P.sha256(P.concat(new Uint8Array([NODE]), l, r)); }

  // checkConsistency verifies an RFC 6962 consistency proof (RFC 9162
  // §2.1.4.2) that the tree of size2 with root2 extends the tree of size1
  // with root1; it resolves to true or false.
  function checkConsistency(size1, root1, size2, root2, proof) {
    if (size1 === size2) return Promise.resolve(proof.length === 0 && P.equal(root1, root2));
    if (size1 === 0n) return Promise.resolve(true);
    if (size1 > size2 || proof.length === 0) return Promise.resolve(false);
    var path = proof.slice();
    if ((size1 & (size1 - 1n)) === 0n) path.unshift(root1);
    var fn = size1 - 1n, sn = size2 - 1n;
    while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
    var fr = path[0], sr = path[0], i = 1;
    function step() {
      if (i >= path.length) return Promise.resolve(P.equal(fr, root1) && P.equal(sr, root2) && sn === 0n);
      var c = path[i++];
      if (sn === 0n) return Promise.resolve(false);
      if ((fn & 1n) || fn === sn) {
        return Promise.all([nodeHash(c, fr), nodeHash(c, sr)]).then(function (h) {
          fr = h[0]; sr = h[1];
          if (!(fn & 1n)) { while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; } }
          fn >>= 1n; sn >>= 1n;
          return step();
        });
      }
      return nodeHash(sr, c).then(function (h) { sr = h; fn >>= 1n; sn >>= 1n; return step(); });
    }
    return step();
  }

  // consistent fetches and checks the proof that the latest checkpoint
  // (size, root) extends the tree of size1 with root1.
  function consistent(el, size1, root1, latest) {
    if (size1 === latest.size) return Promise.resolve(P.equal(root1, latest.root) ? "" : "different root at the same size");
    var url = el.getAttribute("data-consistency-url") + "?from=" + size1 + "&to=" + latest.size;
    return getJSON(url).then(function (r) {
      if (!r.ok || !r.body || !Array.isArray(r.body.proof)) return "no consistency proof from " + size1 + " entries (HTTP " + r.status + ")";
      var proof = r.body.proof.map(P.b64);
      if (proof.some(function (h) { return !h || h.length !== 32; })) return "malformed consistency proof";
      return checkConsistency(size1, root1, latest.size, latest.root, proof).then(function (ok) { return ok ? "" : "the consistency proof does not check"; });
    });
  }

  // storageKey names what this browser keeps of a log by the log's public
  // key, not its origin: a log that moves to a new origin keeps its key,
  // and a phone's memory of it must not start over.
  function storageKey(logKey) { return "plumbline.checkpoint." + P.hex(logKey); }

  function remembered(logKey) {
    try {
      var v = JSON.parse(window.localStorage.getItem(storageKey(logKey)) || "null");
      if (v && /^[0-9]+$/.test(v.size) && P.b64(v.root) && P.b64(v.root).length === 32) {
        return { size: BigInt(v.size), root: P.b64(v.root), evidence: typeof v.evidence === "string" ? v.evidence : "", esize: /^[0-9]+$/.test(v.esize) ? BigInt(v.esize) : 0n };
      }
    } catch (e) { /* no storage, or not ours */ }
    return null;
  }

  // remember keeps cp as the largest checkpoint seen, and witnessed (a
  // verified cosigned checkpoint {note, size}) when larger than the one kept.
  function remember(logKey, cp, witnessed) {
    try {
      var old = remembered(logKey) || {};
      var v = { size: cp.size.toString(), root: btoa(String.fromCharCode.apply(null, cp.root)), evidence: old.evidence || "", esize: (old.esize || 0n).toString() };
      if (witnessed && witnessed.size >= (old.esize || 0n)) { v.evidence = witnessed.note; v.esize = witnessed.size.toString(); }
      window.localStorage.setItem(storageKey(logKey), JSON.stringify(v));
    } catch (e) { /* private mode: nothing to keep */ }
  }

  // report presents the kept witnessed checkpoint to the server.
  function report(el, seen) {
    var url = el.getAttribute("data-evidence-url");
    if (!url || !seen || !seen.evidence) return;
    fetch(url, { method: "POST", credentials: "omit", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ checkpoint: seen.evidence }) })
      .then(function (resp) { el.setAttribute("data-reported", resp.status === 409 ? "yes" : "no"); }, function () { el.setAttribute("data-reported", "no"); });
  }

  function finish(el, state, values) {
    el.setAttribute("data-state", state);
    var status = el.querySelector(".watch-status");
    var since = values.seen && state !== "rolledback" && state !== "forked" ? fill(el.getAttribute("data-msg-since"), values) : "";
    if (status) status.textContent = fill(el.getAttribute("data-msg-" + state), Object.assign({}, values, { since: since }));
    if (state === "rolledback" || state === "forked") {
      el.classList.add("bad");
      if (status) status.setAttribute("role", "alert");
    }
    el.dispatchEvent(new CustomEvent("ledgerchecked", { bubbles: true, detail: { state: state, values: values } }));
  }

  function check(el) {
    if (!window.crypto || !crypto.subtle) { finish(el, "error", { reason: "no WebCrypto" }); return; }
    el.setAttribute("data-state", "checking");
    var status = el.querySelector(".watch-status");
    if (status) status.textContent = el.getAttribute("data-msg-checking") || "";
    var values = {}, vk, latest, witnessKeys = [];
    var keys = (el.getAttribute("data-witnesses") || "").split(/\s+/).filter(Boolean);
    var quorum = parseInt(el.getAttribute("data-quorum") || "0", 10);
    P.parseVerifierKey(el.getAttribute("data-verifier-key"))
      .then(function (k) {
        vk = k;
        return Promise.all(keys.map(function (wk) { return P.parseVerifierKey(wk, 4); }));
      })
      .then(function (wks) {
        witnessKeys = wks;
        return getJSON(el.getAttribute("data-checkpoint-url"));
      })
      .then(function (r) {
        if (!r.ok || !r.body || !r.body.checkpoint) throw P.trouble("fetch", "HTTP " + r.status);
        var body = r.body;
        return verifyCheckpoint(body.checkpoint, vk).then(function (cp) {
          latest = cp;
          values.size = cp.size.toString();
          var seen = remembered(vk.key);
          if (seen && seen.size > cp.size) {
            values.seen = seen.size.toString();
            report(el, seen);
            return "rolledback";
          }
          var history = seen ? consistent(el, seen.size, seen.root, cp) : Promise.resolve("");
          return history.then(function (reason) {
            if (seen) values.seen = seen.size.toString();
            if (reason) { values.reason = reason; report(el, seen); return "forked"; }
            var kept = {};
            return witnessed(el, body, vk, witnessKeys, quorum, cp, values, kept).then(function (state) {
              remember(vk.key, cp, state === "witnessed" ? kept.checkpoint : null);
              return state;
            });
          });
        });
      })
      .then(function (state) { finish(el, state, values); })
      .catch(function (err) {
        values.reason = err && err.reason ? err.reason + (err.detail ? " (" + err.detail + ")" : "") : String(err);
        finish(el, "error", values);
      });
  }

  // witnessed decides between witnessed, unwitnessed and nowitnesses.
  function witnessed(el, body, vk, wks, quorum, latest, values, kept) {
    values.n = String(wks.length);
    values.quorum = String(quorum);
    if (wks.length === 0) return Promise.resolve("nowitnesses");
    var w = body.witnessing && body.witnessing.witnessed;
    if (!w) return Promise.resolve("unwitnessed");
    return verifyCheckpoint(w, vk).then(function (wcp) {
      return cosigned(wcp.note, wks).then(function (names) {
        values.k = String(names.length);
        values.names = names.join(", ");
        values.wsize = wcp.size.toString();
        el.setAttribute("data-k", values.k);
        el.setAttribute("data-n", values.n);
        if (wcp.size > latest.size) { values.seen = values.wsize; return "rolledback"; }
        if (names.length < quorum) return "unwitnessed";
        return consistent(el, wcp.size, wcp.root, latest).then(function (reason) {
          if (reason) { values.reason = reason; values.seen = values.wsize; return "forked"; }
          kept.checkpoint = { note: w.note, size: wcp.size };
          return "witnessed";
        });
      });
    });
  }

  // ---- offline proofs (C2SP tlog-proof) dropped on the page ------------------

  // parseTlogProof reads "c2sp.org/tlog-proof@v1\n[extra <b64>\n]index <n>\n
  // <b64 hash>…\n\n<signed checkpoint>" strictly.
  function parseTlogProof(text) {
    var cut = text.indexOf("\n\n");
    if (cut < 0) throw P.fail("note", "no blank line before the checkpoint");
    var lines = text.slice(0, cut).split("\n"), i = 0, out = { hashes: [] };
    if (lines[i++] !== "c2sp.org/tlog-proof@v1") throw P.fail("note", "not a tlog-proof");
    var m = /^extra ([A-Za-z0-9+/]+={0,2})$/.exec(lines[i] || "");
    if (m) { out.extra = P.b64(m[1]); i++; }
    if (!out.extra) throw P.fail("entry", "the proof carries no entry");
    m = /^index (0|[1-9][0-9]{0,18})$/.exec(lines[i++] || "");
    if (!m) throw P.fail("note", "index");
    out.index = BigInt(m[1]);
    for (; i < lines.length; i++) {
      var h = P.b64(lines[i]);
      if (!h || h.length !== 32) throw P.fail("root", "proof hash");
      out.hashes.push(h);
    }
    out.checkpoint = text.slice(cut + 2);
    return out;
  }

  // verifyTlogProof checks a dropped proof against the page's log key and
  // witnesses: the log's signature, the witnesses' cosignatures, that the
  // entry decodes and sits at the index, and the inclusion proof.
  function verifyTlogProof(text, vk, wks) {
    var p, note, cp, e, names;
    return Promise.resolve().then(function () {
      p = parseTlogProof(text);
      note = P.parseNote(p.checkpoint);
      return P.verifyNote(note, vk);
    }).then(function () {
      cp = P.parseCheckpointText(note.text, vk.name, "");
      return cosigned(note, wks);
    }).then(function (n) {
      names = n;
      e = P.decodeEntry(p.extra);
      if (e.seq !== p.index + 1n) throw P.fail("seq");
      return P.sha256(P.concat(P.LEAF, p.extra));
    }).then(function (leaf) {
      return P.rootFromInclusionProof(p.index, cp.size, leaf, p.hashes);
    }).then(function (root) {
      if (!root || !P.equal(root, cp.root)) throw P.fail("root", "the inclusion proof does not lead to the signed root");
      return { seq: e.seq.toString(), tx_id: e.txID, type: e.type, org: e.org, size: cp.size.toString(), origin: vk.name, k: String(names.length), n: String(wks.length), names: names.length ? " (" + names.join(", ") + ")" : "" };
    });
  }

  function checkDropped(el, file) {
    var status = el.querySelector(".drop-status");
    var keys = (el.getAttribute("data-witnesses") || "").split(/\s+/).filter(Boolean);
    var vk;
    el.setAttribute("data-state", "checking");
    file.text().then(function (text) {
      return P.parseVerifierKey(el.getAttribute("data-verifier-key")).then(function (k) {
        vk = k;
        return Promise.all(keys.map(function (wk) { return P.parseVerifierKey(wk, 4); }));
      }).then(function (wks) { return verifyTlogProof(text, vk, wks); });
    }).then(function (v) {
      el.setAttribute("data-state", "verified");
      status.textContent = fill(el.getAttribute("data-msg-verified"), v);
    }, function (err) {
      el.setAttribute("data-state", "failed");
      var reason = err && err.reason ? err.reason + (err.detail ? " (" + err.detail + ")" : "") : String(err);
      status.textContent = fill(el.getAttribute("data-msg-failed"), { reason: reason });
    });
  }

  function startDrop(el) {
    var input = el.querySelector("input[type=file]");
    if (input) input.addEventListener("change", function () { if (input.files[0]) checkDropped(el, input.files[0]); });
    el.addEventListener("dragover", function (ev) { ev.preventDefault(); el.classList.add("dragging"); });
    el.addEventListener("dragleave", function () { el.classList.remove("dragging"); });
    el.addEventListener("drop", function (ev) {
      ev.preventDefault();
      el.classList.remove("dragging");
      var f = ev.dataTransfer && ev.dataTransfer.files[0];
      if (f) checkDropped(el, f);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-checkpoint-url]"), check);
    Array.prototype.forEach.call(document.querySelectorAll("[data-proof-drop]"), startDrop);
  }

  // For tests (frontend/witness_test.go).
  window.PlumblineWitness = { checkConsistency: checkConsistency, verifyTlogProof: verifyTlogProof };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
