// Supplier pages' behaviours, loaded from the page's head (no inline script).
//   #add-line in fieldset[data-max-rows]: copies the last .line-row with
//       its indexes moved on by one (batch_2 → batch_3), up to the maximum.
//       Without JavaScript the button stays hidden and the fixed rows work.
//   #import-job[data-job-url]: polls the import's JSON status every second
//       while it runs and updates the counts, progress bar and failures.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const add = document.getElementById("add-line");
  if (add) {
    const box = add.closest("fieldset");
    const max = parseInt(box.dataset.maxRows || "20", 10);
    add.hidden = false;
    add.addEventListener("click", () => {
      const rows = box.querySelectorAll(".line-row");
      if (rows.length >= max) { add.disabled = true; return; }
      const last = rows[rows.length - 1];
      const n = parseInt(last.dataset.row, 10) + 1;
      const row = last.cloneNode(true);
      row.dataset.row = String(n);
      row.querySelectorAll("[id],[name],[for],[aria-describedby]").forEach((el) => {
        for (const a of ["id", "name", "for", "aria-describedby"]) {
          const v = el.getAttribute(a);
          if (v) el.setAttribute(a, v.replace(/_\d+$/, "_" + n));
        }
      });
      row.querySelectorAll(".field-error").forEach((e) => e.remove());
      row.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
      row.querySelectorAll("input").forEach((i) => { i.value = ""; });
      row.querySelectorAll("select").forEach((s) => { s.selectedIndex = 0; });
      row.querySelectorAll("label").forEach((l) => { l.textContent = l.textContent.replace(/\d+/, String(n + 1)); });
      last.after(row);
      if (rows.length + 1 >= max) add.disabled = true;
      const first = row.querySelector("select, input");
      if (first) first.focus();
    });
  }

  const job = document.getElementById("import-job");
  if (job && job.dataset.jobUrl && job.dataset.state !== "done") {
    const set = (id, v) => { const e = document.getElementById(id); if (e) e.textContent = String(v); };
    const tick = async () => {
      let j;
      try {
        const r = await fetch(job.dataset.jobUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!r.ok) return;
        j = await r.json();
      } catch (e) {
        setTimeout(tick, 3000);
        return;
      }
      const bar = document.getElementById("job-progress");
      if (bar) { bar.max = j.total; bar.value = j.done; bar.textContent = j.done + " / " + j.total; }
      set("job-done", j.done); set("job-total", j.total); set("job-committed", j.committed);
      set("job-replayed", j.replayed); set("job-failed", j.failed);
      const body = document.querySelector("#job-errors tbody");
      if (body) {
        body.replaceChildren(...(j.errors || []).map((e) => {
          const tr = document.createElement("tr");
          for (const [v, cls] of [[e.row, ""], [e.column || "", "mono"], [e.message, ""]]) {
            const td = document.createElement("td");
            td.textContent = String(v);
            if (cls) td.className = cls;
            tr.append(td);
          }
          return tr;
        }));
      }
      if (j.state === "done") {
        // The finished page says what committed and what did not.
        window.location.reload();
        return;
      }
      setTimeout(tick, 1000);
    };
    setTimeout(tick, 500);
  }
});
