// Junction console: small enhancements over pages that work without them.
// Each feature looks for its own data-* attribute, so a page opts in.
"use strict";

// data-refresh="SECONDS" on an element with an id: while the page is open,
// fetch the page again every SECONDS and replace that element with its new
// version, for a run in progress or a delivery retrying. It stops once the
// new version no longer asks to be refreshed.
function startRefresh(el) {
  const seconds = Number(el.dataset.refresh);
  if (!el.id || !(seconds > 0)) return;
  const tick = async () => {
    try {
      const res = await fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = doc.getElementById(el.id);
      if (!fresh) return;
      el.replaceWith(fresh);
      el = fresh;
      focusableScrollers();
      if (fresh.dataset.refresh) setTimeout(tick, seconds * 1000);
    } catch (e) {
      setTimeout(tick, seconds * 1000 * 2);
    }
  };
  setTimeout(tick, seconds * 1000);
}

// A box that scrolls (a wide table at phone width) must be reachable by
// keyboard to be scrolled without a mouse (WCAG 2.1.1): a table's wrapper
// gets tabindex=0 while it overflows, and loses it when it fits again, so
// that tables that fit are no tab stop. Every <pre> has tabindex=0 in the
// markup instead: whether text overflows depends on fonts and on <details>
// being opened, which fire no resize.
function focusableScrollers() {
  document.querySelectorAll(".table-wrap").forEach((el) => {
    const scrolls = el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight;
    if (scrolls && !el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    if (!scrolls && el.getAttribute("tabindex") === "0") el.removeAttribute("tabindex");
  });
}

// data-confirm on a form: ask before sending it. Listening on the document
// covers forms that data-refresh swaps in later.
document.addEventListener("submit", (e) => {
  const f = e.target;
  if (f instanceof HTMLFormElement && f.dataset.confirm && !confirm(f.dataset.confirm)) e.preventDefault();
});

document.addEventListener("DOMContentLoaded", () => {
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  document.querySelectorAll("[data-refresh]").forEach(startRefresh);
});
