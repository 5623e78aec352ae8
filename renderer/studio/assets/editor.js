// @ts-check
// The request editor: where each JSON pointer sits in the text, the marks and the error list.
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { overflowLabel } from "./stage.js";
// Where each JSON pointer's value sits in the text: {pointer: [start, end]}.
export function locate(text) {
  const spans = {};
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  const str = () => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const esc = (k) => String(k).replace(/~/g, "~0").replace(/\//g, "~1");
  function value(ptr) {
    ws();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i++; ws();
      if (text[i] === "}") i++;
      else for (;;) {
        ws(); const key = str(); ws(); i++; // ':'
        value(ptr + "/" + esc(key)); ws();
        if (text[i++] !== ",") break;
      }
    } else if (c === "[") {
      i++; ws();
      let n = 0;
      if (text[i] === "]") i++;
      else for (;;) {
        value(ptr + "/" + n++); ws();
        if (text[i++] !== ",") break;
      }
    } else if (c === '"') str();
    else while (i < text.length && /[^\s,\]}]/.test(text[i])) i++;
    spans[ptr] = [start, i];
  }
  try { value(""); } catch (e) { /* a syntax error: JSON.parse reports it */ }
  return spans;
}

/** @param {string} text @param {number} offset */
export function lineOf(text, offset) { return text.slice(0, offset).split("\n").length; }

/** @param {string} text @param {number} offset */
export function columnOf(text, offset) { return offset - text.lastIndexOf("\n", offset - 1); }

export function escapeHtml(s) { return s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]); }

export function markEditor(ranges) {
  const text = $("editor").value;
  ranges = ranges.filter(Boolean).sort((a, b) => a[0] - b[0]);
  let html = "", at = 0;
  for (const [s, e] of ranges) {
    if (s < at) continue;
    html += escapeHtml(text.slice(at, s)) + "<mark>" + escapeHtml(text.slice(s, Math.max(e, s + 1))) + "</mark>";
    at = Math.max(e, s + 1);
  }
  $("editor-backdrop").innerHTML = html + escapeHtml(text.slice(at)) + "\n";
  syncScroll();
}

export function syncScroll() {
  $("editor-backdrop").scrollTop = $("editor").scrollTop;
  $("editor-backdrop").scrollLeft = $("editor").scrollLeft;
}

export function spanFor(spans, pointer) {
  let p = pointer || "";
  while (!(p in spans) && p) p = p.slice(0, p.lastIndexOf("/"));
  return spans[p];
}

export function showErrors(title, errors) {
  const box = $("errors");
  box.replaceChildren();
  if (!errors) { markEditor([]); return; }
  const text = $("editor").value;
  const spans = locate(text);
  const list = el("ul");
  const ranges = [];
  for (const e of errors) {
    const where = e.file ? `${e.file}${e.line ? ":" + e.line : ""}` : e.pointer !== undefined ? e.pointer || "/" : e.parameter ? `?${e.parameter}` : e.offset !== undefined ? `column ${columnOf(text, e.offset)}` : "";
    const span = e.pointer !== undefined ? spanFor(spans, e.pointer) : (e.offset !== undefined ? [e.offset, e.offset + 1] : null);
    if (span) { // an object or list is marked on its first line only
      const eol = text.indexOf("\n", span[0]);
      ranges.push([span[0], eol > 0 && eol < span[1] ? eol : span[1]]);
    }
    const label = span ? `line ${lineOf(text, span[0])} · ${where}` : where;
    const item = el("li", {}, el("button", {
      type: "button", title: "Select this field in the editor",
      onclick: () => { if (span) { $("editor").focus(); $("editor").setSelectionRange(span[0], span[1]); } },
    }, label), ": " + e.detail);
    const over = e.pointer ? state.overflows.filter((o) => o.pointer === e.pointer) : [];
    if (over.length) item.append(el("span", { class: "excess" }, " — " + [...new Set(over.map(overflowLabel))].join("; ")));
    list.append(item);
  }
  box.append(el("strong", {}, title), list);
  markEditor(ranges);
}

export function showFindings(findings) {
  const box = $("findings");
  box.replaceChildren();
  if (!findings || !findings.length) return;
  box.append(el("strong", {}, "Findings (rendered, but check):"),
    el("ul", {}, ...findings.map((f) => el("li", {}, `${f.pointer}: ${f.detail}`))));
}

export function showMissing() {
  const box = $("missing");
  box.replaceChildren();
  const second = state.languages.split(",")[1];
  const missing = second ? state.meta.missing_translations[second] || [] : [];
  if (!missing.length) return;
  box.append(el("strong", {}, `${missing.length} fixed text(s) without a ${second} translation (printed in Slovenian only):`),
    el("ul", {}, ...missing.map((m) => el("li", {}, m))));
}
