// Plumbline's site and inspector pages: the in-page QR scanner, live
// spec-limit checks on the inspection form, the receive form's per-line
// fields and the usage form's recent locations. No inline script: pages
// opt in with data attributes, and everything works without this file.
//   [data-scanner]            the scanner card (#scan-video, #scan-start, #scan-stop, #scan-status)
//   form[data-batch-form]     a code form: goes straight to /b/{code}
//   [data-receive-line]       a receive line: shows [data-show-for] parts for the chosen outcome
//   form[data-inspection]     flags [data-limit] values outside data-min/data-max
//   button[data-fill-location] fills the location fields from its data-*
"use strict";

// plumblinePath returns the local page a scanned text points at: a trace
// URL /b/{code}, a GS1 Digital Link /01/{gtin}/10/{lot} (with an optional
// /21/{serial} and query), or a bare batch code; null for anything else.
function plumblinePath(text) {
  const t = (text || "").trim();
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(t)) return "/b/" + encodeURIComponent(t);
  let u;
  try { u = new URL(t, window.location.href); } catch (e) { return null; }
  if (u.protocol !== "http:" && u.protocol !== "https:") return null;
  let m = u.pathname.match(/^\/b\/([A-Za-z0-9][A-Za-z0-9._%-]{0,191})\/?$/);
  if (m) return "/b/" + m[1];
  m = u.pathname.match(/^\/01\/(\d{8,14})\/10\/([^/]{1,60})(\/.*)?$/);
  if (m) return "/01/" + m[1] + "/10/" + m[2] + (m[3] || "");
  return null;
}

function startScanner(card) {
  const video = card.querySelector("#scan-video");
  const start = card.querySelector("#scan-start");
  const stop = card.querySelector("#scan-stop");
  const status = card.querySelector("#scan-status");
  const say = (key) => { status.textContent = card.dataset[key] || ""; };
  let stream = null, timer = null, detector = null;

  const halt = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  };

  const tick = async () => {
    if (!stream) return;
    try {
      if (video.readyState >= 2) {
        const codes = await detector.detect(video);
        for (const c of codes) {
          const path = plumblinePath(c.rawValue);
          if (path) {
            say("msgFound");
            halt();
            window.location.assign(path);
            return;
          }
          say("msgForeign");
        }
      }
    } catch (e) { /* a frame that cannot be read: try the next */ }
    timer = setTimeout(tick, 200);
  };

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    say("msgUnsupported");
    start.disabled = true;
    return;
  }
  start.addEventListener("click", async () => {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes("qr_code")) { say("msgUnsupported"); start.disabled = true; return; }
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    } catch (e) {
      say("msgDenied");
      halt();
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    start.hidden = true;
    stop.hidden = false;
    say("msgScanning");
    try { await video.play(); } catch (e) { /* autoplay is allowed for muted video */ }
    tick();
  });
  stop.addEventListener("click", halt);
  window.addEventListener("pagehide", halt);
}

function batchForm(form) {
  form.addEventListener("submit", (e) => {
    const input = form.querySelector("input[name=code]");
    const path = plumblinePath(input ? input.value : "");
    if (path) {
      e.preventDefault();
      window.location.assign(path);
    }
  });
}

// reveal shows the parts of a container whose data-show-for (a list of
// values) contains the chosen value, and hides the rest.
function reveal(container, attr, value) {
  container.querySelectorAll("[" + attr + "]").forEach((el) => {
    el.hidden = !el.getAttribute(attr).split(" ").includes(value);
  });
}

function receiveLine(fs) {
  const update = () => {
    const chosen = fs.querySelector("input[type=radio]:checked");
    reveal(fs, "data-show-for", chosen ? chosen.value : "accept");
  };
  fs.querySelectorAll("input[type=radio]").forEach((r) => r.addEventListener("change", update));
  update();
}

function inspectionForm(form) {
  const warning = form.querySelector("[data-pass-warning]");
  const outOfLimit = () => {
    let any = false;
    form.querySelectorAll("[data-limit]").forEach((box) => {
      const input = box.querySelector("input");
      const flag = box.querySelector("[data-flag]");
      const raw = input.value.trim().replace(",", ".");
      const v = Number(raw);
      let out = false;
      if (raw !== "" && Number.isFinite(v)) {
        if (box.dataset.min !== undefined && v < Number(box.dataset.min)) out = true;
        if (box.dataset.max !== undefined && v > Number(box.dataset.max)) out = true;
      }
      box.classList.toggle("out", out);
      if (flag) flag.hidden = !out;
      any = any || out;
    });
    return any;
  };
  const update = () => {
    const any = outOfLimit();
    const verdict = form.querySelector("input[name=verdict]:checked");
    const v = verdict ? verdict.value : "";
    if (warning) warning.hidden = !(any && v === "pass");
    reveal(form, "data-show-for-verdict", v);
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}

function fillLocation(btn) {
  btn.addEventListener("click", () => {
    ["project", "building", "floor", "element"].forEach((k) => {
      const input = document.getElementById("usage-" + k);
      if (input) input.value = btn.dataset[k] || "";
    });
    const q = document.getElementById("usage-quantity");
    if (q && !q.value) q.focus();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-scanner]").forEach(startScanner);
  document.querySelectorAll("form[data-batch-form]").forEach(batchForm);
  document.querySelectorAll("[data-receive-line]").forEach(receiveLine);
  document.querySelectorAll("form[data-inspection]").forEach(inspectionForm);
  document.querySelectorAll("button[data-fill-location]").forEach(fillLocation);
});
