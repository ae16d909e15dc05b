// Junction console: the definition editor checks the document as you type.
// It asks the API's dry run (?dryRun=true: everything a save checks, nothing
// stored) and lists each problem with its JSON path and line; selecting a
// problem selects its place in the text. Without this script the editor is
// a form whose Save shows the same problems.
"use strict";

(() => {
  const DEBOUNCE_MS = 400;

  // A key as the API writes it in a path: .name, or ["a b"] when it is not
  // a plain name (definition.PathKey).
  const plainKey = (k) => /^[A-Za-z0-9_$-]+$/.test(k);
  const pathKey = (base, k) => (plainKey(k) ? (base ? base + "." + k : k) : base + "[" + JSON.stringify(k) + "]");

  // scanPaths walks JSON text (already known to parse) and maps the path
  // of every value to its [start, end) offsets in the text.
  function scanPaths(text) {
    const at = new Map();
    let i = 0;
    const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
    const str = () => {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      return JSON.parse(text.slice(start, i));
    };
    const value = (path) => {
      ws();
      const start = i;
      const c = text[i];
      if (c === "{") {
        i++; ws();
        if (text[i] === "}") i++;
        else for (;;) {
          ws(); const k = str(); ws(); i++; // the colon
          value(pathKey(path, k)); ws();
          if (text[i++] !== ",") break;
        }
      } else if (c === "[") {
        i++; ws();
        if (text[i] === "]") i++;
        else for (let n = 0; ; n++) {
          value(path + "[" + n + "]"); ws();
          if (text[i++] !== ",") break;
        }
      } else if (c === '"') {
        str();
      } else {
        while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
      }
      at.set(path, [start, i]);
    };
    value("");
    return at;
  }

  // locate finds a path's place, or its nearest parent's (a required field
  // that is missing has no place of its own).
  function locate(paths, path) {
    let p = path;
    for (;;) {
      if (paths.has(p)) return paths.get(p);
      const parent = p.replace(/(\["(?:[^"\\]|\\.)*"\]|\[\d+\]|\.[^.[]+|^[^.[]+)$/, "");
      if (parent === p) return [0, 0];
      p = parent;
    }
  }

  const lineOf = (text, offset) => text.slice(0, offset).split("\n").length;

  // The offset JSON.parse's message names, in the wordings browsers use.
  function parseErrorOffset(text, message) {
    let m = /position (\d+)/.exec(message);
    if (m) return Number(m[1]);
    m = /line (\d+) column (\d+)/.exec(message);
    if (m) {
      const lines = text.split("\n");
      let off = 0;
      for (let n = 1; n < Number(m[1]) && n <= lines.length; n++) off += lines[n - 1].length + 1;
      return off + Number(m[2]) - 1;
    }
    return text.length;
  }

  function setup(area) {
    const list = document.getElementById("problems");
    const account = area.dataset.account;
    const id = area.dataset.definitionId;
    const url = "/api/v1/accounts/" + encodeURIComponent(account) + "/definitions" +
      (id ? "/" + encodeURIComponent(id) : "") + "?dryRun=true";
    let timer = 0;
    let asked = 0;

    const select = (start, end) => {
      area.focus();
      area.setSelectionRange(start, Math.max(end, start));
      const lh = parseFloat(getComputedStyle(area).lineHeight) || 18;
      area.scrollTop = Math.max(0, (lineOf(area.value, start) - 3) * lh);
    };

    // show lists problems: {path, line, message, start, end}.
    const show = (problems, note) => {
      list.replaceChildren();
      if (!problems.length) {
        const p = document.createElement("p");
        p.className = "muted";
        p.textContent = note || "None found.";
        list.append(p);
        return;
      }
      const ul = document.createElement("ul");
      ul.className = "problems";
      for (const pr of problems) {
        const li = document.createElement("li");
        li.dataset.path = pr.path;
        li.dataset.line = String(pr.line);
        const b = document.createElement("button");
        b.type = "button";
        b.className = "link";
        b.textContent = "Line " + pr.line + (pr.path ? ", " + pr.path : "");
        b.addEventListener("click", () => select(pr.start, pr.end));
        li.append(b, document.createTextNode(": " + pr.message));
        ul.append(li);
      }
      list.append(ul);
    };

    const check = async () => {
      const text = area.value;
      const mine = ++asked;
      try {
        JSON.parse(text);
      } catch (e) {
        const off = Math.min(parseErrorOffset(text, e.message), text.length);
        show([{ path: "", line: lineOf(text, off), message: "not JSON: " + e.message, start: off, end: off + 1 }]);
        return;
      }
      let res, body;
      try {
        res = await fetch(url, {
          method: id ? "PUT" : "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-Junction-Console": "1" },
          body: text,
        });
        body = await res.json().catch(() => ({}));
      } catch (e) {
        if (mine === asked) show([], "Could not reach the API to check the document.");
        return;
      }
      if (mine !== asked) return; // a newer check is on its way
      if (res.ok) {
        show([], "None found.");
        return;
      }
      const paths = scanPaths(text);
      const errors = body.errors && body.errors.length ? body.errors : [{ path: "", message: body.message || res.statusText }];
      show(errors.map((er) => {
        const [start, end] = locate(paths, er.path || "");
        return { path: er.path || "", line: lineOf(text, start), message: er.message, start, end };
      }));
    };

    area.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(check, DEBOUNCE_MS);
    });
    check();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const area = document.querySelector("textarea#document[data-account]");
    if (area) setup(area);
  });
})();
