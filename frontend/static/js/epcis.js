// epcis.js — the EPCIS capture job page.
//
//   #capture-job[data-job-url]: polls the capture's JSON status every
//   second while it runs, updates the progress bar and counts, and reloads
//   the page when it is done, so the page lists every event's result.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const job = document.getElementById("capture-job");
  if (!job || !job.dataset.jobUrl || job.dataset.state === "done") return;
  const set = (id, v) => { const e = document.getElementById(id); if (e) e.textContent = String(v); };
  const tick = async () => {
    let j;
    try {
      const r = await fetch(job.dataset.jobUrl + "?events=none", { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!r.ok) return;
      j = await r.json();
    } catch (e) {
      setTimeout(tick, 3000);
      return;
    }
    const pct = j.total ? Math.floor((j.checked * 90) / j.total) : 100;
    const bar = document.getElementById("job-progress");
    if (bar) { bar.value = j.state === "done" ? 100 : pct; bar.textContent = bar.value + "%"; }
    set("job-checked", j.checked); set("job-total", j.total); set("job-committed", j.committed);
    set("job-replayed", j.replayed); set("job-rejected", j.rejected); set("job-not-applied", j.not_applied);
    if (j.state === "done") {
      window.location.reload();
      return;
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 500);
});
