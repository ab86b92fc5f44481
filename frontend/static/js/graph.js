// Pan and zoom for the trace graph (the server's SVG in #graph-viewport):
// drag to move, pinch or wheel to zoom, the toolbar's buttons for the
// same. It opens fitted to its box. Without this script the graph scrolls
// in its box at full size.
// The current view is kept on the viewport's data-scale, data-x and
// data-y, so that it can be checked.
(function () {
  "use strict";
  const box = document.getElementById("graph-viewport");
  const svg = box && box.querySelector("svg.trace-graph");
  if (!svg) return;
  const full = svg.viewBox.baseVal;
  const all = { x: full.x, y: full.y, w: full.width, h: full.height };
  let view = { ...all };
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  box.classList.add("js-graph");

  const ratio = () => box.clientHeight / Math.max(1, box.clientWidth);
  const scale = () => box.clientWidth / view.w;
  function show() {
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map((n) => n.toFixed(1)).join(" "));
    box.dataset.scale = scale().toFixed(3);
    box.dataset.x = view.x.toFixed(1);
    box.dataset.y = view.y.toFixed(1);
  }
  // zoom by factor k around the point (px, py) of the viewport, in pixels.
  function zoom(k, px, py) {
    const s = Math.min(4, Math.max(0.05, scale() * k));
    const w = box.clientWidth / s, h = w * ratio();
    const fx = px / box.clientWidth, fy = py / box.clientHeight;
    view = { x: view.x + (view.w - w) * fx, y: view.y + (view.h - h) * fy, w: w, h: h };
    show();
  }
  function fit() {
    const r = ratio();
    let w = all.w, h = all.w * r;
    if (h < all.h) { h = all.h; w = h / r; }
    view = { x: all.x - (w - all.w) / 2, y: all.y - (h - all.h) / 2, w: w, h: h };
    show();
  }
  // start fitted: the whole graph in its box, however big, so the reader
  // sees its shape first and zooms in where it matters (it used to open at
  // full size around the root batch, showing a corner of a large trace).
  const start = fit;

  const pointers = new Map();
  let moved = 0, pinch = 0;
  svg.addEventListener("pointerdown", (e) => {
    pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    moved = 0;
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = Math.hypot(a.x - b.x, a.y - b.y);
    }
  });
  svg.addEventListener("pointermove", (e) => {
    const p = pointers.get(e.pointerId);
    if (!p) return;
    const dx = e.clientX - p.x, dy = e.clientY - p.y;
    p.x = e.clientX; p.y = e.clientY;
    if (pointers.size === 1) {
      moved += Math.abs(dx) + Math.abs(dy);
      if (moved > 4 && !svg.hasPointerCapture(e.pointerId)) svg.setPointerCapture(e.pointerId);
      const k = view.w / box.clientWidth;
      view.x -= dx * k; view.y -= dy * k;
      show();
    } else if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y), r = box.getBoundingClientRect();
      if (pinch > 0) zoom(d / pinch, (a.x + b.x) / 2 - r.left, (a.y + b.y) / 2 - r.top);
      pinch = d; moved += 10;
    }
  });
  const up = (e) => { pointers.delete(e.pointerId); if (pointers.size < 2) pinch = 0; };
  svg.addEventListener("pointerup", up);
  svg.addEventListener("pointercancel", up);
  // a drag is not a click on the box it ended on.
  svg.addEventListener("click", (e) => { if (moved > 4) { e.preventDefault(); e.stopPropagation(); } }, true);
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = box.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  box.addEventListener("keydown", (e) => {
    const step = 40 * view.w / box.clientWidth;
    const keys = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (keys[e.key]) { view.x += keys[e.key][0]; view.y += keys[e.key][1]; show(); e.preventDefault(); }
    if (e.key === "+" || e.key === "=") zoom(1.25, box.clientWidth / 2, box.clientHeight / 2);
    if (e.key === "-") zoom(0.8, box.clientWidth / 2, box.clientHeight / 2);
  });
  document.querySelectorAll("[data-graph]").forEach((b) => b.addEventListener("click", () => {
    const cx = box.clientWidth / 2, cy = box.clientHeight / 2;
    if (b.dataset.graph === "in") zoom(1.25, cx, cy);
    if (b.dataset.graph === "out") zoom(0.8, cx, cy);
    if (b.dataset.graph === "reset") fit();
  }));

  // a usage box links to its list in the tree: unfold it and its branches.
  function reveal() {
    const id = decodeURIComponent(location.hash.slice(1));
    const el = id && document.getElementById(id);
    if (!el) return;
    for (let d = el.closest("details") || el.querySelector("details"); d; d = d.parentElement && d.parentElement.closest("details")) d.open = true;
    const own = el.querySelector("details");
    if (own) own.open = true;
    el.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", reveal);
  window.addEventListener("resize", show);
  start();
  reveal();
})();
