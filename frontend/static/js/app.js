// Plumbline's small page behaviours. No inline script anywhere: pages opt
// in with data attributes.
//   data-confirm="message"   on a form: ask before submitting
//   data-autosubmit          on a select: submit its form on change
//   data-disable-on-submit   on a form: disable its buttons while posting,
//                            so a double tap cannot send it twice
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-confirm]").forEach((f) => {
    f.addEventListener("submit", (e) => {
      if (!window.confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach((s) => {
    s.addEventListener("change", () => s.form && s.form.requestSubmit());
  });
  document.querySelectorAll("form").forEach((f) => {
    f.addEventListener("submit", (e) => {
      if (e.defaultPrevented) return;
      setTimeout(() => f.querySelectorAll("button[type=submit]").forEach((b) => (b.disabled = true)), 0);
    });
  });
  // Close the menu when tapping outside it.
  document.addEventListener("click", (e) => {
    document.querySelectorAll("details.menu[open]").forEach((d) => {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
});
