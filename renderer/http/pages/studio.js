// The preview studio: edit a layout's request, see the render at once, measure it.
// Plain JS, no build step. Everything it shows comes from /v1/studio/… (the API's own
// validation and renderer; geometry measured from the rendered PDF).
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const PX_PER_MM = 96 / 25.4; // CSS pixels per mm at 100 %
const DEBOUNCE_MS = 40;
const DIFF_THRESHOLD = 24; // per channel, out of 255
const RULER_LABEL_BAND = 10; // px of a ruler's 22 that hold its numbers
const RULER_TICK_MAX = 9; // px: the longest tick stays out of the numbers' band (22 - 9 > 10)
const DEV_POLL_MS = 150; // --dev: how often the layout's files are asked about

const layoutId = decodeURIComponent(location.pathname.split("/").pop());
const params = new URLSearchParams(location.search);
const DRAFT_KEY = `obrazci.studio.v1.${layoutId}`; // the designer's work on this layout (local storage)
const CACHED_PREVIEWS = 24; // answers kept in the page: switching back shows them at once
const PREFETCH_IDLE_MS = 500; // after this long without an edit, the other language sets are rendered

const state = {
  meta: null,
  languages: params.get("lang") || "sl",
  set: params.get("set") || "sample",
  edited: false,      // the editor holds the designer's data, not a sample set
  memory: {},         // pointer → {lang: text}: wording in languages not shown now, kept for switching back
  variant: params.get("variant") || "",
  page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1),
  zoom: params.get("zoom") || "fit",
  separation: params.get("sep") || "",
  preview: null,      // the last good preview (JSON)
  hovered: null, pinned: null,
  overlay: null,      // {png, width_mm, height_mm, pages}
  upload: null,       // the designer's own file for a layout that takes one (File), else the bundled one
  diff: "",
  overflows: [],      // of the preview shown: their excess goes beside the 422's reasons
  renderSeq: 0, shownSeq: 0,
  controller: null, timer: null,
  startedAt: null,    // when the change being rendered was made (an edit, a click, Ctrl+Enter)
  cache: new Map(),   // request key → preview answer
  pending: new Map(), // request key → the answer on its way (a switch to what is being prefetched waits for it)
  version: null,      // --dev: the layout's files as last seen
};

// A test and benchmark hook: what was shown, and how long edit → preview took.
window.studio = { state, timings: [], renders: 0, errors: 0, cancelled: 0, prefetched: 0, reloads: 0, prefetch: true };

// --- helpers -----------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

const fmt = (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(2));

function setStatus(text, bad = false) {
  $("status").textContent = text;
  $("status").classList.toggle("bad", bad);
}

function zoomFactor() {
  if (state.zoom !== "fit") return parseFloat(state.zoom);
  const media = state.preview ? state.preview.geometry.media : pageSizeGuess();
  const vp = $("viewport");
  const w = (vp.clientWidth - 48) / (media.width * PX_PER_MM);
  const h = (vp.clientHeight - 48) / (media.height * PX_PER_MM);
  return Math.max(0.1, Math.min(w, h, 4));
}

function pageSizeGuess() {
  const page = state.meta.page;
  const height = page.height_mm === "auto" ? page.width_mm : page.height_mm;
  return { x: 0, y: 0, width: page.width_mm, height };
}

function previewDpi() {
  const dpi = 96 * zoomFactor() * (window.devicePixelRatio || 1);
  return Math.round(Math.max(36, Math.min(300, dpi)));
}

// --- the request editor ---------------------------------------------------------------------

// Where each JSON pointer's value sits in the text: {pointer: [start, end]}.
function locate(text) {
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

function lineOf(text, offset) { return text.slice(0, offset).split("\n").length; }

function escapeHtml(s) { return s.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]); }

function markEditor(ranges) {
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

function syncScroll() {
  $("editor-backdrop").scrollTop = $("editor").scrollTop;
  $("editor-backdrop").scrollLeft = $("editor").scrollLeft;
}

function spanFor(spans, pointer) {
  let p = pointer || "";
  while (!(p in spans) && p) p = p.slice(0, p.lastIndexOf("/"));
  return spans[p];
}

function showErrors(title, errors) {
  const box = $("errors");
  box.replaceChildren();
  if (!errors) { markEditor([]); return; }
  const text = $("editor").value;
  const spans = locate(text);
  const list = el("ul");
  const ranges = [];
  for (const e of errors) {
    const where = e.file ? `${e.file}${e.line ? ":" + e.line : ""}` : e.pointer !== undefined ? e.pointer || "/" : e.parameter ? `?${e.parameter}` : "";
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

function showFindings(findings) {
  const box = $("findings");
  box.replaceChildren();
  if (!findings || !findings.length) return;
  box.append(el("strong", {}, "Findings (rendered, but check):"),
    el("ul", {}, ...findings.map((f) => el("li", {}, `${f.pointer}: ${f.detail}`))));
}

function showMissing() {
  const box = $("missing");
  box.replaceChildren();
  const second = state.languages.split(",")[1];
  const missing = second ? state.meta.missing_translations[second] || [] : [];
  if (!missing.length) return;
  box.append(el("strong", {}, `${missing.length} fixed text(s) without a ${second} translation (printed in Slovenian only):`),
    el("ul", {}, ...missing.map((m) => el("li", {}, m))));
}

// --- controls --------------------------------------------------------------------------------

function languageLabel(set) { return set.label; }

function buildControls() {
  const meta = state.meta;
  document.title = `${meta.id} — obrazci studio`;
  $("layout-id").textContent = meta.id;
  $("layout-title").textContent = meta.title.sl;
  const group = $("languages");
  for (const set of meta.language_sets) {
    const key = set.languages.join(",");
    const second = set.languages[1];
    const missing = second ? (meta.missing_translations[second] || []).length : 0;
    const button = el("button", {
      type: "button", "data-languages": key, "aria-pressed": String(key === state.languages),
      title: set.names.join(" + ") + (missing ? ` — ${missing} missing translation(s)` : ""),
      onclick: () => switchLanguages(key),
    }, languageLabel(set));
    if (missing) { button.classList.add("missing-lang"); button.append(el("span", { class: "badge" }, String(missing))); }
    group.append(button);
  }
  const variant = $("variant");
  for (const v of meta.variants) variant.append(el("option", { value: v }, v + (meta.spot_variants.includes(v) ? " (spot colours)" : "")));
  if (!meta.variants.includes(state.variant)) state.variant = meta.variants[0];
  variant.value = state.variant;
  variant.disabled = meta.variants.length < 2;
  fillSets();
  fillDiff();
}

function setsFor(languages) { return state.meta.sample_sets[languages] || {}; }

const SET_NAMES = { sample: "bundled sample", longest: "longest values", "empty-optional": "optional fields empty", "most-rows": "most rows" };

function fillSets() {
  const select = $("sample-set");
  select.replaceChildren();
  for (const name of Object.keys(setsFor(state.languages))) select.append(el("option", { value: name }, SET_NAMES[name] || name));
  select.append(el("option", { value: "edited", disabled: "" }, "edited"));
  if (!(state.set in setsFor(state.languages))) state.set = "sample";
  select.value = state.edited ? "edited" : state.set;
}

function fillDiff() {
  const select = $("diff");
  const keep = select.value;
  select.replaceChildren(el("option", { value: "" }, "—"));
  const langs = el("optgroup", { label: "Languages (same sample set)" });
  for (const set of state.meta.language_sets) {
    const key = set.languages.join(",");
    if (key !== state.languages) langs.append(el("option", { value: "lang:" + key }, set.label));
  }
  const sets = el("optgroup", { label: "Sample sets (same languages)" });
  for (const name of Object.keys(setsFor(state.languages))) sets.append(el("option", { value: "set:" + name }, SET_NAMES[name] || name));
  select.append(langs, sets);
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
  state.diff = select.value;
}

function loadSet(name) {
  state.set = name;
  state.edited = false;
  state.memory = {};
  const body = setsFor(state.languages)[name];
  $("editor").value = JSON.stringify(body, null, 2);
  $("sample-set").value = name;
  markEditor([]);
  saveDraft();
}

function chooseSet(name) { // asks before the designer's edits are replaced
  if (state.edited && !confirm(`Replace your edits with the “${SET_NAMES[name] || name}” sample set? They stay in this browser: “Restore them” brings them back.`)) {
    $("sample-set").value = "edited";
    return;
  }
  if (state.edited) { saveDraft(); keepPreviousDraft(true); }
  loadSet(name);
  state.cache.clear();
  updateLink();
  scheduleRender(0, "sample set");
}

// --- edits are state: languages, local storage, share links -----------------------------------

const LANGS = ["sl", "it", "hu"];

function resolve(node) {
  const defs = state.meta.request_schema.$defs || {};
  while (node && node.$ref) node = defs[node.$ref.split("/").pop()];
  return node || {};
}

function isWording(node) { // wording by language: a string, or {"sl": …, "it": …}
  const options = (node.anyOf || [node]).map(resolve);
  return options.some((o) => o.type === "object" && o.properties && "sl" in o.properties
    && Object.keys(o.properties).every((k) => LANGS.includes(k)));
}

function branch(node, value) {
  node = resolve(node);
  if (!node.anyOf) return node;
  const wanted = Array.isArray(value) ? "array" : value === null ? "null" : typeof value === "object" ? "object" : typeof value;
  const options = node.anyOf.map(resolve);
  return options.find((o) => o.type === wanted) || options.find((o) => o.type !== "null") || options[0];
}

function at(doc, path) {
  for (const part of path) { if (doc === null || typeof doc !== "object" || !(part in doc)) return undefined; doc = doc[part]; }
  return doc;
}

// The request in another language set: every wording field keeps its Slovenian and gains the
// new language's text (the designer's earlier text in it, else the sample's, else the Slovenian);
// the texts of languages no longer shown are remembered for switching back.
function convertLanguages(body, target) {
  const languages = target.split(",");
  const sample = setsFor(target).sample || {};
  const memory = state.memory;
  function walk(value, node, path) {
    node = resolve(node);
    const ptr = "/" + path.join("/");
    if (isWording(node) && (typeof value === "string" || (value && typeof value === "object" && !Array.isArray(value)))) {
      const texts = typeof value === "string" ? { sl: value } : { ...value };
      memory[ptr] = { ...(memory[ptr] || {}), ...texts };
      const known = memory[ptr];
      if (languages.length === 1) return known.sl ?? Object.values(known)[0];
      const fromSample = at(sample, path);
      const out = {};
      for (const lang of languages) {
        out[lang] = known[lang] ?? (fromSample && typeof fromSample === "object" ? fromSample[lang] : undefined) ?? known.sl;
      }
      return out;
    }
    const shape = branch(node, value);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, shape.items || {}, [...path, i]));
    if (value && typeof value === "object") {
      const props = shape.properties || {};
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k in props ? walk(v, props[k], [...path, k]) : v]));
    }
    return value;
  }
  const out = { ...body, languages };
  delete out.area;
  if (body.data !== undefined) out.data = walk(body.data, state.meta.request_schema.properties.data, ["data"]);
  return out;
}

function sameJson(a, b) {
  try { return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b)); } catch (e) { return false; }
}

function saveDraft() {
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify({
      text: $("editor").value, languages: state.languages, set: state.set, edited: state.edited,
      memory: state.memory, variant: state.variant,
    }));
  } catch (e) { setStatus("Your edits could not be kept in this browser's storage: " + e.message, true); }
}

function loadDraft() {
  try { return JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { return null; }
}

async function pack(text) { // JSON → deflate → base64url, for the URL fragment
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function unpack(code) {
  const bin = atob(code.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).text();
}

function switchLanguages(key) {
  if (key === state.languages) return;
  const from = state.languages;
  state.languages = key;
  for (const b of $("languages").querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.languages === key));
  fillSets();
  if (state.edited) {
    let body = null;
    try { body = JSON.parse($("editor").value); } catch (e) { /* a syntax error: the text stays as it is */ }
    if (body) $("editor").value = JSON.stringify(convertLanguages(body, key), null, 2);
    else { state.languages = from; fillSets(); setStatus("Fix the JSON first: the languages change in the request", true); return; }
    $("sample-set").value = "edited";
    markEditor([]);
    saveDraft();
  } else loadSet(state.set);
  fillDiff();
  showMissing();
  updateLink();
  scheduleRender(0, "language switch");
}

let linkSeq = 0;
async function updateLink() { // the URL pins the view; an edited request rides in the fragment, compressed
  const seq = ++linkSeq;
  const q = new URLSearchParams({ lang: state.languages, set: state.edited ? "edited" : state.set, variant: state.variant });
  if (state.page > 1) q.set("page", state.page);
  if (state.zoom !== "fit") q.set("zoom", state.zoom);
  if (state.separation) q.set("sep", state.separation);
  if ($("show-print").checked) q.set("print", "1");
  const ov = ["overlay-x", "overlay-y", "overlay-opacity", "overlay-page"].map((id) => $(id).value);
  if (ov.join(",") !== "0,0,0.5,1") q.set("overlay", ov.join(","));
  let hash = "";
  if (state.edited) {
    let text = $("editor").value;
    try { text = JSON.stringify(JSON.parse(text)); } catch (e) { /* shared as typed */ }
    hash = "#edit=" + await pack(text);
  }
  if (seq !== linkSeq) return;
  const url = `${location.origin}/studio/${encodeURIComponent(layoutId)}?${q}${hash}`;
  history.replaceState(null, "", url);
  $("share-link").value = url;
  $("share-link").dataset.edited = String(state.edited);
}

function applyViewParams() { // print view and overlay settings from a share link
  if (params.get("print") === "1") $("show-print").checked = true;
  const ov = (params.get("overlay") || "").split(",");
  if (ov.length === 4 && ov.every((v) => v !== "" && Number.isFinite(+v))) {
    ["overlay-x", "overlay-y", "overlay-opacity", "overlay-page"].forEach((id, i) => { $(id).value = ov[i]; });
  }
}

async function restoreWork() { // a share link's edit, else this browser's draft, else the sample set
  const shared = /^#edit=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (shared) {
    try {
      const text = await unpack(shared[1]);
      JSON.parse(text);
      $("editor").value = JSON.stringify(JSON.parse(text), null, 2);
      state.edited = true;
      const draft = loadDraft(); // this browser's own draft of the same request: its remembered wording too
      if (draft && draft.edited && sameJson(draft.text, text)) state.memory = draft.memory || {};
      else keepPreviousDraft(true);
      $("sample-set").value = "edited";
      saveDraft();
      return;
    } catch (e) { setStatus("The link's edited request could not be read; showing the sample set", true); }
  }
  const draft = loadDraft();
  if (draft && draft.edited && (!params.has("set") || params.get("set") === "edited") && draft.languages in state.meta.sample_sets) {
    state.languages = draft.languages;
    state.memory = draft.memory || {};
    state.edited = true;
    if (state.meta.variants.includes(draft.variant) && !params.has("variant")) state.variant = draft.variant;
    fillSets();
    $("editor").value = draft.text;
    $("sample-set").value = "edited";
    return;
  }
  keepPreviousDraft(true); // the link names a sample set: this browser's edits are kept aside
  loadSet(state.set === "edited" ? "sample" : state.set);
}

// Edits replaced by a sample set or by a share link's request are kept in a second slot, and
// can be brought back (they swap with what is in the editor).
function keepPreviousDraft(offer) {
  const draft = loadDraft();
  if (!draft || !draft.edited) return;
  try { localStorage.setItem(DRAFT_KEY + ".previous", JSON.stringify({ ...draft, kept: new Date().toISOString() })); }
  catch (e) { return; }
  if (offer) offerPrevious();
}

function offerPrevious() {
  let previous = null;
  try { previous = JSON.parse(localStorage.getItem(DRAFT_KEY + ".previous") || "null"); } catch (e) { /* none */ }
  const box = $("draft-notice");
  box.replaceChildren();
  if (!previous) return;
  const when = new Date(previous.kept).toLocaleString();
  box.append(`Your earlier edits of this layout (set aside ${when}) are kept in this browser. `,
    el("button", { type: "button", id: "restore-previous", onclick: restorePrevious }, "Restore them"));
}

function restorePrevious() {
  const previous = JSON.parse(localStorage.getItem(DRAFT_KEY + ".previous") || "null");
  if (!previous) return;
  const current = state.edited ? { text: $("editor").value, languages: state.languages, set: state.set, edited: true,
    memory: state.memory, variant: state.variant, kept: new Date().toISOString() } : null;
  if (current) localStorage.setItem(DRAFT_KEY + ".previous", JSON.stringify(current));
  else localStorage.removeItem(DRAFT_KEY + ".previous");
  state.languages = previous.languages in state.meta.sample_sets ? previous.languages : "sl";
  state.memory = previous.memory || {};
  state.edited = true;
  for (const b of $("languages").querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.languages === state.languages));
  fillSets();
  $("editor").value = previous.text;
  $("sample-set").value = "edited";
  markEditor([]);
  saveDraft();
  offerPrevious();
  fillDiff();
  showMissing();
  state.cache.clear();
  updateLink();
  scheduleRender(0, "restore");
}

// --- rendering -------------------------------------------------------------------------------

function cancelInFlight() { // a render older than the latest edit is no longer wanted
  if (state.controller && state.inFlight) {
    state.controller.abort();
    window.studio.cancelled++;
  }
  state.inFlight = false;
  state.renderSeq++; // whatever is still on its way is stale
}

// delay: ms of debounce, or "now" (Render, Ctrl+Enter); what: what the change was (for the status)
function scheduleRender(delay = DEBOUNCE_MS, what = "edit") {
  clearTimeout(state.timer);
  clearTimeout(state.prefetchTimer); // a background render under way finishes (the server would anyway)
  cancelInFlight();
  if ($("manual").checked && delay !== "now" && what === "edit") { setStatus("Manual mode: press Render (Ctrl+Enter)"); return; }
  if (delay === "now" || what !== "edit" || state.startedAt === null) state.startedAt = performance.now();
  state.what = what;
  state.timer = setTimeout(render, delay === "now" ? 0 : delay);
}

function previewQuery(page, separation, dpi = previewDpi()) {
  const q = new URLSearchParams({ page, dpi, variant: state.variant });
  if (separation) q.set("separation", separation);
  return q;
}

function uploadKey() { return state.upload ? `${state.upload.name}:${state.upload.size}:${state.upload.lastModified}` : ""; }

async function fetchPreview(body, { page, signal, separation = state.separation, dpi, cache = true }) {
  const q = previewQuery(page, separation, dpi);
  const text = JSON.stringify(body);
  const key = `${q}|${uploadKey()}|${state.version}|${text}`;
  if (cache && state.cache.has(key)) {
    const hit = state.cache.get(key);
    state.cache.delete(key); state.cache.set(key, hit); // most recently used last
    return { ok: true, json: hit, cached: true };
  }
  if (cache && state.pending.has(key)) return { ...(await state.pending.get(key)), cached: true }; // asked for already
  const asked = request(key, text, q, signal, cache);
  if (cache && !signal) { // only what no edit cancels is shared
    state.pending.set(key, asked);
    asked.finally(() => state.pending.delete(key)).catch(() => {});
  }
  return asked;
}

async function request(key, text, q, signal, cache) {
  const part = state.meta.upload || state.meta.attachment;
  let init = { method: "POST", headers: { "Content-Type": "application/json" }, body: text, signal };
  if (part && state.upload) { // the designer's own file, checked by the server like every upload
    const form = new FormData();
    form.append("request", new Blob([text], { type: "application/json" }), "request.json");
    form.append(part, state.upload, state.upload.name);
    init = { method: "POST", body: form, signal };
  }
  const resp = await fetch(`/v1/studio/${encodeURIComponent(layoutId)}/preview?${q}`, init);
  const json = await resp.json();
  if (resp.ok && cache) {
    state.cache.set(key, json);
    while (state.cache.size > CACHED_PREVIEWS) state.cache.delete(state.cache.keys().next().value);
  }
  return { ok: resp.ok, json };
}

function sentence(text) { text = (text || "").trim(); return !text || /[.!?:;]$/.test(text) ? text : text + "."; }

function editorBody() {
  try { return { body: JSON.parse($("editor").value) }; }
  catch (e) { return { error: e }; }
}

async function render() {
  cancelInFlight();
  const seq = ++state.renderSeq;
  const controller = new AbortController();
  state.controller = controller;
  const started = state.startedAt ?? performance.now();
  const what = state.what || "edit";
  state.startedAt = null;
  const { body, error } = editorBody();
  if (error) {
    const m = /position (\d+)/.exec(error.message);
    showErrors("The JSON does not parse; the last good preview stays.", [{ offset: m ? +m[1] : 0, parameter: "json", detail: error.message }]);
    document.body.dataset.state = "invalid";
    setStatus("JSON syntax error", true);
    return;
  }
  document.body.dataset.state = "rendering";
  setStatus("Rendering…");
  state.inFlight = true;
  try {
    const { ok, json, cached } = await fetchPreview(body, { page: state.page, signal: controller.signal });
    if (seq !== state.renderSeq) return;
    state.inFlight = false;
    if (!ok) {
      if (json.errors && json.errors.some((e) => e.parameter === "page") && state.page > 1) {
        state.page = 1; state.startedAt = started; return render();
      }
      if (json.errors && json.errors.some((e) => e.parameter === "separation") && state.separation) {
        state.separation = ""; state.startedAt = started; return render();
      }
      state.overflows = [];
      const kept = state.preview ? "The last good preview stays." : "There is no preview yet: change the data or choose another sample set.";
      showErrors(`${json.title}: ${sentence(json.detail)} ${kept}`, json.errors || [{ pointer: "", detail: json.detail }]);
      document.body.dataset.state = "invalid";
      setStatus(`${json.status} ${json.title}`, true);
      window.studio.errors++;
      return;
    }
    await show(json);
    if (seq !== state.renderSeq) return;
    const ms = performance.now() - started;
    showDetails();
    window.studio.timings.push(ms);
    window.studio.last = { what, ms, cached: !!cached };
    window.studio.renders++;
    state.shownSeq = seq;
    state.overflows = json.overflows;
    if (json.overflows.length) {
      const boxes = overflowBoxes(json.overflows).length;
      showErrors(`Does not fit: ${boxes} box${boxes > 1 ? "es" : ""} on this page overflow (outlined in red, the excess measured); the API refuses this request with a 422.`,
        json.errors.length ? json.errors : json.overflows.map((o) => ({ pointer: o.pointer || "", detail: o.detail })));
      document.body.dataset.state = "overflow";
    } else {
      showErrors(null, null);
      document.body.dataset.state = "idle";
    }
    showFindings(json.findings);
    const untranslated = json.untranslated.length ? ` · ${json.untranslated.length} text run(s) without translation (orange)` : "";
    const overflow = json.overflows.length ? ` · ${overflowBoxes(json.overflows).length} box(es) overflow` : "";
    const server = cached ? "shown from memory" : `server ${Math.round(json.timing_ms.total)} ms`;
    setStatus(`page ${json.page} of ${json.pages} · ${what} → preview ${Math.round(ms)} ms (${server})${untranslated}${overflow}`,
      !!(untranslated || overflow));
    if (state.diff) runDiff();
    state.prefetchTimer = setTimeout(() => prefetch(body, seq), PREFETCH_IDLE_MS);
  } catch (e) {
    if (e.name === "AbortError") return;
    document.body.dataset.state = "error";
    setStatus("The preview could not be fetched: " + e.message, true);
  }
}

// While the designer looks, render what a click is likely to ask next (the other language sets
// of this request, the other separations of this page), one at a time, so a switch is shown
// from memory. An edit stops it.
async function prefetch(body, seq) {
  if (!window.studio.prefetch) return;
  const wanted = [];
  for (const set of state.meta.language_sets) {
    const key = set.languages.join(",");
    if (key === state.languages) continue;
    const other = state.edited ? convertLanguagesQuietly(body, key) : setsFor(key)[state.set in setsFor(key) ? state.set : "sample"];
    if (other) wanted.push({ body: other, page: state.page, separation: state.separation });
  }
  for (const name of (state.preview && state.preview.separations) || []) {
    if (name !== state.separation) wanted.push({ body, page: state.page, separation: name });
  }
  if (state.separation) wanted.push({ body, page: state.page, separation: "" });
  for (const w of wanted) {
    if (seq !== state.renderSeq) return; // an edit or a switch came: what it shows decides what comes next
    try { await fetchPreview(w.body, { page: w.page, separation: w.separation }); }
    catch (e) { return; }
    window.studio.prefetched++;
  }
}

function convertLanguagesQuietly(body, key) { // the conversion without remembering anything
  const memory = state.memory;
  state.memory = JSON.parse(JSON.stringify(memory));
  try { return convertLanguages(body, key); } finally { state.memory = memory; }
}

async function show(json) {
  // decode off screen, then swap the element: the old page stays until the new one is ready
  const next = new Image();
  next.src = "data:image/png;base64," + json.png;
  await next.decode();
  next.id = "page-image";
  next.alt = `Rendered page ${json.page} of ${json.pages}`;
  $("page-image").replaceWith(next);
  state.preview = json;
  $("page").value = json.page;
  $("page").max = json.pages;
  $("page-count").textContent = `of ${json.pages}`;
  fillSeparations(json.separations);
  layoutStage();
}

function showDetails() { // the inspector's lists, after the page is on screen
  fillElements();
  showChecks();
  printLegend();
  $("download-pdf").disabled = refusedByTheApi(state.preview);
}

// the API renders no document with an overflow or a missing translation: nothing to download
function refusedByTheApi(preview) { return !!(preview && (preview.overflows.length || preview.untranslated.length)); }

function fillSeparations(names) {
  const select = $("separation");
  const keep = state.separation;
  select.replaceChildren(el("option", { value: "" }, "All inks"), ...names.map((n) => el("option", { value: n }, n)));
  select.disabled = !names.length;
  select.title = names.length ? "Show one ink's plate" : "Spot colours: choose a variant with spot colours";
  select.value = names.includes(keep) ? keep : "";
}

// --- the stage: image, rulers, grid, marks ---------------------------------------------------

function layoutStage() {
  if (!state.preview) return;
  const media = state.preview.geometry.media;
  const scale = zoomFactor() * PX_PER_MM;
  const stage = $("stage");
  stage.style.width = `${media.width * scale}px`;
  stage.style.height = `${media.height * scale}px`;
  positionOverlay();
  drawMarks();
  drawRulers();
}

function mmToStage() { return zoomFactor() * PX_PER_MM; }

function drawMarks() {
  const g = state.preview.geometry;
  const m = g.media;
  const marks = $("marks");
  marks.setAttribute("viewBox", `${m.x} ${m.y} ${m.width} ${m.height}`);
  marks.replaceChildren();
  const scale = mmToStage();
  const hair = 1 / scale; // one CSS pixel in mm
  if ($("show-grid").checked) {
    const defs = svg("defs", {});
    const small = svg("pattern", { id: "grid1", width: 1, height: 1, patternUnits: "userSpaceOnUse" });
    small.append(svg("path", { d: "M 1 0 L 0 0 0 1", fill: "none", stroke: "rgba(11,87,208,.12)", "stroke-width": hair }));
    const big = svg("pattern", { id: "grid10", width: 10, height: 10, patternUnits: "userSpaceOnUse" });
    if (scale >= 3) big.append(svg("rect", { width: 10, height: 10, fill: "url(#grid1)" }));
    big.append(svg("path", { d: "M 10 0 L 0 0 0 10", fill: "none", stroke: "rgba(11,87,208,.35)", "stroke-width": hair }));
    defs.append(small, big);
    marks.append(defs, svg("rect", { x: 0, y: 0, width: g.trim.width, height: g.trim.height, fill: "url(#grid10)" }));
  }
  if ($("show-print").checked) {
    const safe = state.meta.safe_mm;
    marks.append(
      svg("rect", { x: g.bleed.x, y: g.bleed.y, width: g.bleed.width, height: g.bleed.height, fill: "none", stroke: "#c5221f", "stroke-width": 2 * hair, "stroke-dasharray": `${6 * hair} ${3 * hair}` }),
      svg("rect", { x: 0, y: 0, width: g.trim.width, height: g.trim.height, fill: "none", stroke: "#000", "stroke-width": 2 * hair }),
      svg("rect", { x: safe, y: safe, width: g.trim.width - 2 * safe, height: g.trim.height - 2 * safe, fill: "none", stroke: "#8430ce", "stroke-width": 2 * hair, "stroke-dasharray": `${4 * hair} ${3 * hair}` }),
    );
  }
  if ($("show-prescribed").checked) {
    for (const c of state.preview.checks) {
      if (c.kind === "page") continue;
      const b = c.box;
      marks.append(svg("rect", { x: b.x, y: b.y, width: b.width, height: b.height, fill: "none", stroke: c.pass ? "#137333" : "#c5221f", "stroke-width": 2 * hair, "stroke-dasharray": `${5 * hair} ${3 * hair}` }));
    }
  }
  for (const o of overflowBoxes(state.preview.overflows)) { // a box with values (or fixed text) that do not fit
    const b = o.box;
    const group = svg("g", { class: "overflow", "data-pointers": o.pointers.join(" ") });
    for (const ink of o.inks) group.append(svg("rect", { x: ink.x, y: ink.y, width: ink.width, height: ink.height, fill: "rgba(197,34,31,.12)", stroke: "none" }));
    group.append(svg("rect", { x: b.x, y: b.y, width: b.width, height: b.height, fill: "none", stroke: "#c5221f", "stroke-width": 3 * hair }));
    const label = svg("text", { x: b.x + b.width, y: b.y - 2 * hair, "text-anchor": "end", "font-size": 11 * hair, fill: "#c5221f", "font-family": "system-ui, sans-serif", "font-weight": "600" });
    label.textContent = overflowLabel(o);
    const under = svg("rect", { x: b.x + b.width - label.textContent.length * 6.2 * hair - 4 * hair, y: b.y - 14 * hair, width: label.textContent.length * 6.2 * hair + 4 * hair, height: 13 * hair, fill: "rgba(255,255,255,.9)" });
    group.append(under, label);
    marks.append(group);
  }
  for (const index of state.preview.untranslated) { // fixed texts printed without their translation
    const e = g.elements[index];
    marks.append(svg("rect", { x: e.x - 0.3, y: e.y - 0.3, width: e.width + 0.6, height: e.height + 0.6, fill: "rgba(255,152,0,.25)", stroke: "#b06000", "stroke-width": 2 * hair, class: "untranslated" }));
  }
  const box = state.hovered || state.pinned;
  if (box && $("show-inspector").checked) {
    const large = box.width * box.height > 0.5 * g.trim.width * g.trim.height; // e.g. the background
    marks.append(svg("rect", { x: box.x, y: box.y, width: Math.max(box.width, hair), height: Math.max(box.height, hair), fill: large ? "none" : "rgba(11,87,208,.12)", stroke: "#0b57d0", "stroke-width": 2 * hair }));
  }
}

function overflowBoxes(overflows) { // one outline per box: what overflows it, the largest excess, the lines below it
  const boxes = new Map();
  for (const o of overflows) {
    const key = `${o.box.x},${o.box.y},${o.box.width},${o.box.height}`;
    const box = boxes.get(key) || { box: o.box, pointers: [], inks: [], excess_mm: {}, lines_over: 0 };
    box.pointers.push(o.pointer || "");
    box.inks.push(o.ink);
    for (const [side, mm] of Object.entries(o.excess_mm)) box.excess_mm[side] = Math.max(box.excess_mm[side] || 0, mm);
    box.lines_over += o.lines_over;
    boxes.set(key, box);
  }
  return [...boxes.values()];
}

function overflowLabel(o) { // "+7.4 mm", "2 lines over", or both
  const parts = [];
  const x = Math.max(o.excess_mm.right || 0, o.excess_mm.left || 0);
  if (x) parts.push(`+${x.toFixed(1)} mm`);
  if (o.lines_over) parts.push(`${o.lines_over} line${o.lines_over > 1 ? "s" : ""} over`);
  else if (o.excess_mm.bottom || o.excess_mm.top) parts.push(`+${Math.max(o.excess_mm.bottom || 0, o.excess_mm.top || 0).toFixed(1)} mm down`);
  return parts.join(", ") || "overflows";
}

function printLegend() {
  const on = $("show-print").checked;
  $("print-legend").hidden = !on;
  if (!on || !state.preview) return;
  const g = state.preview.geometry;
  const bleed = Math.max(-g.bleed.x, -g.bleed.y, 0);
  $("print-legend").textContent = `Print view — trim ${fmt(g.trim.width)} × ${fmt(g.trim.height)} mm (black), `
    + `bleed ${fmt(bleed)} mm (red dashed), safe area ${fmt(state.meta.safe_mm)} mm inside the trim (violet dashed)`;
}

function drawRulers() {
  if (!state.preview) return;
  const g = state.preview.geometry;
  const scale = mmToStage();
  const vp = $("viewport");
  const stage = $("stage");
  const originX = stage.offsetLeft - vp.scrollLeft + (0 - g.media.x) * scale;
  const originY = stage.offsetTop - vp.scrollTop + (0 - g.media.y) * scale;
  const show = $("show-grid").checked;
  for (const [canvas, horizontal] of [[$("ruler-top"), true], [$("ruler-left"), false]]) {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = w * ratio; canvas.height = h * ratio;
    const ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.clearRect(0, 0, w, h);
    if (!show) continue;
    ctx.fillStyle = "#5f6368"; ctx.strokeStyle = "#9aa0a6"; ctx.font = "9px system-ui, sans-serif";
    const length = horizontal ? w : h;
    const origin = horizontal ? originX : originY;
    const step = scale >= 3 ? 1 : scale >= 1 ? 5 : 10;
    const labelEvery = scale >= 2 ? 10 : scale >= 0.8 ? 20 : 50;
    const first = Math.floor(-origin / scale / step) * step;
    // numbers in the outer band, ticks in the inner one: they never cross
    ctx.beginPath();
    for (let mm = first; (mm * scale + origin) <= length; mm += step) {
      const p = Math.round(mm * scale + origin) + 0.5;
      const size = mm % 10 === 0 ? RULER_TICK_MAX : mm % 5 === 0 ? 6 : 3;
      if (horizontal) { ctx.moveTo(p, 22); ctx.lineTo(p, 22 - size); } else { ctx.moveTo(22, p); ctx.lineTo(22 - size, p); }
      if (mm % labelEvery === 0) {
        if (horizontal) ctx.fillText(String(mm), p + 2, RULER_LABEL_BAND - 1);
        else { // rotated a quarter turn: the glyphs lie between x = 1 and the label band's edge
          ctx.save(); ctx.translate(1, p + 2); ctx.rotate(Math.PI / 2); ctx.textBaseline = "bottom"; ctx.fillText(String(mm), 0, 0); ctx.restore();
        }
      }
    }
    ctx.stroke();
  }
}

// --- inspector --------------------------------------------------------------------------------

function pointerMm(event) {
  const rect = $("stage").getBoundingClientRect();
  const m = state.preview.geometry.media;
  const scale = rect.width / m.width;
  return { x: m.x + (event.clientX - rect.left) / scale, y: m.y + (event.clientY - rect.top) / scale, scale };
}

function pick(x, y, scale) {
  const slack = 3 / scale; // three screen pixels, so hairlines can be hit
  let best = null;
  for (const e of state.preview.geometry.elements) {
    if (x < e.x - slack || x > e.x + e.width + slack || y < e.y - slack || y > e.y + e.height + slack) continue;
    const area = Math.max(e.width, slack) * Math.max(e.height, slack);
    if (!best || area < best.area) best = { area, e };
  }
  return best && best.e;
}

function styleText(st) {
  return `${st.font} · ${Number(st.size_pt).toFixed(1)} pt · weight ${st.weight ?? "—"}`;
}

function swatch(colour, spot) {
  return el("span", {}, el("span", { class: "swatch", style: `background:${colour}` }), ` ${colour}${spot ? " · " + spot : ""}`);
}

function describe(e) {
  const rows = [["kind", e.kind + (e.depth ? " (in a form XObject)" : "")]];
  if (e.text) rows.push(["text", e.text]);
  rows.push(["x", `${fmt(e.x)} mm`], ["y", `${fmt(e.y)} mm`], ["width", `${fmt(e.width)} mm`], ["height", `${fmt(e.height)} mm`]);
  if (e.runs && e.runs.length === 1) {
    rows.push(["font", e.style.font], ["size", `${Number(e.style.size_pt).toFixed(2)} pt`], ["weight", String(e.style.weight ?? "—")],
      ["colour", swatch(e.style.colour, e.style.spot)]);
  } else if (e.runs) {
    e.runs.forEach((r, i) => rows.push([`run ${i + 1}`, el("span", {}, `“${r.text}” — ${styleText(r)} · `, swatch(r.colour, r.spot))]));
  }
  return rows;
}

function showInfo(e, note) {
  const box = $("hover-info");
  if (!e) { box.replaceChildren(el("span", { class: "muted" }, "Point at the page or pick an element.")); return; }
  const dl = el("dl");
  for (const [k, v] of describe(e)) dl.append(el("dt", {}, k), el("dd", {}, v));
  box.replaceChildren(...(note ? [el("div", { class: "muted" }, note)] : []), dl);
}

function elementLabel(e) {
  const what = e.text ? `“${e.text.slice(0, 28)}”` : e.kind;
  return `${what} · ${fmt(e.x)}, ${fmt(e.y)} · ${fmt(e.width)} × ${fmt(e.height)} mm`;
}

function fillElements() {
  const select = $("elements");
  const elements = state.preview.geometry.elements;
  select.replaceChildren(...elements.map((e, i) => el("option", { value: i }, elementLabel(e))));
  state.hovered = null;
  state.pinned = null;
  showInfo(null);
}

function showChecks() {
  const list = $("checks");
  list.replaceChildren();
  for (const c of state.preview.checks) {
    const values = c.members.map((m) => `${m.member} ${fmt(m.measured)} / ${fmt(m.prescribed)}`).join(" · ");
    const button = el("button", {
      type: "button",
      onclick: () => { state.pinned = c.measured ? { kind: "measured", ...c.measured } : null; drawMarks(); showInfo(state.pinned, c.name); },
    }, el("span", { class: "verdict" }, c.pass ? "✓ pass " : "✗ fail "), c.name, el("span", { class: "values" }, "measured / prescribed (mm): " + values));
    list.append(el("li", { class: c.pass ? "pass" : "fail" }, button));
  }
}

// --- reference overlay ------------------------------------------------------------------------

async function loadOverlay() {
  const file = $("overlay-file").files[0];
  if (!file) return;
  const q = new URLSearchParams({ page: $("overlay-page").value || 1, dpi: Math.min(200, previewDpi()) });
  setStatus("Reading the reference…");
  const resp = await fetch(`/v1/studio/overlay?${q}`, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: file });
  const json = await resp.json();
  if (!resp.ok) {
    setStatus(`Reference refused: ${(json.errors && json.errors[0].detail) || json.detail}`, true);
    return;
  }
  state.overlay = json;
  $("overlay-page").max = json.pages;
  const img = $("overlay-image");
  img.src = "data:image/png;base64," + json.png;
  img.hidden = false;
  positionOverlay();
  setStatus(`Reference: ${fmt(json.width_mm)} × ${fmt(json.height_mm)} mm, page ${json.page} of ${json.pages}`);
}

function positionOverlay() {
  const img = $("overlay-image");
  if (!state.overlay || !state.preview) { img.hidden = true; return; }
  const scale = mmToStage();
  const m = state.preview.geometry.media;
  const x = parseFloat($("overlay-x").value) || 0, y = parseFloat($("overlay-y").value) || 0;
  img.hidden = false;
  img.style.left = `${(x - m.x) * scale}px`;
  img.style.top = `${(y - m.y) * scale}px`;
  img.style.width = `${state.overlay.width_mm * scale}px`;
  img.style.height = `${state.overlay.height_mm * scale}px`;
  img.style.opacity = $("overlay-opacity").value;
}

// --- diff -------------------------------------------------------------------------------------

async function runDiff() {
  const started = performance.now();
  const canvas = $("diff-canvas");
  if (!state.diff || !state.preview) { canvas.hidden = true; $("diff-result").textContent = ""; return; }
  const [kind, value] = state.diff.split(/:(.*)/s);
  const languages = kind === "lang" ? value : state.languages;
  const set = kind === "set" ? value : (state.set in setsFor(languages) ? state.set : "sample");
  const current = editorBody().body;
  const body = kind === "lang" && state.edited && current ? convertLanguagesQuietly(current, languages) : setsFor(languages)[set];
  $("diff-result").textContent = "Comparing…";
  const { ok, json } = await fetchPreview(body, { page: state.preview.page });
  if (!ok) { $("diff-result").textContent = `The other render failed: ${json.title}`; canvas.hidden = true; return; }
  const a = await loadImage("data:image/png;base64," + state.preview.png);
  const b = await loadImage("data:image/png;base64," + json.png);
  const w = a.naturalWidth, h = a.naturalHeight;
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(b, 0, 0, w, h);
  const other = ctx.getImageData(0, 0, w, h).data;
  ctx.clearRect(0, 0, w, h);
  ctx.drawImage(a, 0, 0);
  const image = ctx.getImageData(0, 0, w, h);
  const px = image.data;
  let differ = 0;
  for (let i = 0; i < px.length; i += 4) {
    const d = Math.max(Math.abs(px[i] - other[i]), Math.abs(px[i + 1] - other[i + 1]), Math.abs(px[i + 2] - other[i + 2]));
    if (d > DIFF_THRESHOLD) { px[i] = 230; px[i + 1] = 0; px[i + 2] = 60; px[i + 3] = 255; differ++; }
    else { const g = 255 - (255 - (px[i] + px[i + 1] + px[i + 2]) / 3) * 0.25; px[i] = px[i + 1] = px[i + 2] = g; }
  }
  ctx.putImageData(image, 0, 0);
  canvas.hidden = false;
  const share = (100 * differ / (w * h)).toFixed(2);
  const sized = b.naturalWidth === w && b.naturalHeight === h ? "" : " (the pages differ in size: the other is scaled to this one)";
  $("diff-result").textContent = `${differ} pixels differ (${share} %) — red${sized}`;
  window.studio.diff = { differ, total: w * h, ms: performance.now() - started };
}

function loadImage(src) {
  const img = new Image();
  img.src = src;
  return img.decode().then(() => img);
}

// --- downloads and the layout's own upload ----------------------------------------------------

async function download(format) {
  const { body, error } = editorBody();
  if (error) { setStatus("Fix the JSON first", true); return; }
  let resp;
  if (format === "pdf") { // exactly what POST /v1/render gives for this request
    const q = new URLSearchParams({ format: "pdf", variant: state.variant });
    const part = state.meta.upload || state.meta.attachment;
    let init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    if (part) {
      const file = state.upload || await (await fetch(`/v1/studio/${encodeURIComponent(layoutId)}/upload`)).blob();
      const form = new FormData();
      form.append("request", new Blob([JSON.stringify(body)], { type: "application/json" }), "request.json");
      form.append(part, file, state.upload ? state.upload.name : `${layoutId}.${part}.pdf`);
      init = { method: "POST", body: form };
    }
    setStatus("Rendering the PDF…");
    resp = await fetch(`/v1/render/${encodeURIComponent(layoutId)}?${q}`, init);
    if (!resp.ok) { const j = await resp.json(); setStatus(`No PDF: ${j.title}: ${sentence(j.detail)}`, true); return; }
    save(await resp.blob(), (/filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "") || [])[1] || `${layoutId}.pdf`);
    setStatus("PDF downloaded (POST /v1/render)");
  } else { // the page as shown (page, separation), at 300 dpi
    const { ok, json } = await fetchPreview(body, { page: state.page, dpi: 300, cache: false });
    if (!ok) { setStatus(`No PNG: ${json.title}`, true); return; }
    const bytes = Uint8Array.from(atob(json.png), (c) => c.charCodeAt(0));
    const sep = state.separation ? "." + state.separation.replace(/\W+/g, "-") : "";
    save(new Blob([bytes], { type: "image/png" }), `${layoutId}.${state.languages.replace(",", "-")}.page${state.page}${sep}.png`);
    setStatus(`PNG of page ${state.page} downloaded (300 dpi)`);
  }
}

function save(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function chooseUpload() {
  const file = $("upload-file").files[0] || null;
  state.upload = file;
  $("upload-clear").hidden = !file;
  $("upload-name").textContent = file ? file.name : `bundled sample ${state.meta.upload || state.meta.attachment}`;
  state.cache.clear();
  scheduleRender(0, "upload");
}

// --- live templates (renderer serve --dev) -----------------------------------------------------

async function watchLayout() { // polls the layout's files; a change renders again, edits kept
  for (;;) {
    await new Promise((r) => setTimeout(r, DEV_POLL_MS));
    let answer;
    try { answer = await (await fetch(`/v1/studio/${encodeURIComponent(layoutId)}/changes`)).json(); }
    catch (e) { continue; }
    showTemplateProblems(answer.problems);
    if (answer.version === state.version) continue;
    state.version = answer.version;
    state.cache.clear();
    window.studio.reloads++;
    const shown = window.studio.renders;
    scheduleRender(0, "template change"); // the page first; then what else may have changed
    while (window.studio.renders === shown && document.body.dataset.state === "rendering") await new Promise((r) => setTimeout(r, 20));
    const resp = await fetch(`/v1/studio/${encodeURIComponent(layoutId)}`);
    if (!resp.ok) continue;
    const meta = await resp.json();
    const samples = JSON.stringify(state.meta.sample_sets) !== JSON.stringify(meta.sample_sets);
    state.meta = meta;
    showMissing();
    if (samples && !state.edited) { // a sample changed: the editor shows the new one
      loadSet(state.set in setsFor(state.languages) ? state.set : "sample");
      scheduleRender(0, "sample change");
    }
  }
}

function showTemplateProblems(problems) {
  const box = $("template-problems");
  box.replaceChildren();
  if (!problems || !problems.length) return;
  box.append(el("strong", {}, "The layout's files have errors (renderer serve --dev):"),
    el("ul", {}, ...problems.map((p) => el("li", {}, el("code", {}, `${p.file}${p.line ? ":" + p.line : ""}`), " " + p.detail))));
}

// --- wiring -----------------------------------------------------------------------------------

let saveTimer = null;
function wire() {
  const editor = $("editor");
  editor.addEventListener("input", () => {
    state.startedAt = performance.now();
    state.edited = true;
    $("sample-set").value = "edited";
    markEditor([]);
    scheduleRender();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => { saveDraft(); updateLink(); }, 300);
  });
  editor.addEventListener("scroll", syncScroll);
  editor.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); scheduleRender("now"); }
  });
  $("render").addEventListener("click", () => scheduleRender("now"));
  $("manual").addEventListener("change", () => { if (!$("manual").checked) scheduleRender(0); else setStatus("Manual mode: press Render (Ctrl+Enter)"); });
  $("sample-set").addEventListener("change", (e) => chooseSet(e.target.value));
  $("variant").addEventListener("change", (e) => { state.variant = e.target.value; state.separation = ""; saveDraft(); updateLink(); scheduleRender(0, "variant"); });
  $("separation").addEventListener("change", (e) => { state.separation = e.target.value; updateLink(); scheduleRender(0, "separation"); });
  const goPage = (n) => {
    const pages = state.preview ? state.preview.pages : 1;
    state.page = Math.min(Math.max(1, n), pages);
    $("page").value = state.page;
    updateLink();
    scheduleRender(0, "page");
  };
  $("page-prev").addEventListener("click", () => goPage(state.page - 1));
  $("page-next").addEventListener("click", () => goPage(state.page + 1));
  $("page").addEventListener("change", (e) => goPage(parseInt(e.target.value, 10) || 1));
  const zoomSteps = ["0.5", "0.75", "1", "1.5", "2", "3", "4"];
  const setZoom = (z) => { state.zoom = z; $("zoom").value = z; layoutStage(); updateLink(); scheduleRender(150, "zoom"); };
  const stepZoom = (dir) => {
    const now = zoomFactor();
    const next = dir > 0 ? zoomSteps.find((z) => parseFloat(z) > now + 1e-3) : [...zoomSteps].reverse().find((z) => parseFloat(z) < now - 1e-3);
    if (next) setZoom(next);
  };
  $("zoom").addEventListener("change", (e) => setZoom(e.target.value));
  $("zoom-in").addEventListener("click", () => stepZoom(1));
  $("zoom-out").addEventListener("click", () => stepZoom(-1));
  for (const id of ["show-grid", "show-prescribed", "show-print", "show-inspector"]) {
    $(id).addEventListener("change", () => { if (state.preview) { drawMarks(); drawRulers(); } });
  }
  $("show-print").addEventListener("change", () => { printLegend(); updateLink(); });
  $("copy-link").addEventListener("click", async () => {
    await updateLink();
    $("share-link").select();
    try { await navigator.clipboard.writeText($("share-link").value); setStatus("Link copied"); }
    catch (e) { setStatus("Link selected: copy it with Ctrl+C"); }
  });
  $("download-pdf").addEventListener("click", () => download("pdf"));
  $("download-png").addEventListener("click", () => download("png"));
  $("upload-file").addEventListener("change", chooseUpload);
  $("upload-clear").addEventListener("click", () => { $("upload-file").value = ""; chooseUpload(); });
  const viewport = $("viewport");
  viewport.addEventListener("scroll", drawRulers);
  viewport.addEventListener("keydown", (e) => {
    if (e.key === "+" || e.key === "=") stepZoom(1);
    else if (e.key === "-") stepZoom(-1);
    else if (e.key === "PageDown") goPage(state.page + 1);
    else if (e.key === "PageUp") goPage(state.page - 1);
    else return;
    e.preventDefault();
  });
  const stage = $("stage");
  stage.addEventListener("mousemove", (e) => {
    if (!state.preview || !$("show-inspector").checked) return;
    const p = pointerMm(e);
    state.hovered = pick(p.x, p.y, p.scale);
    drawMarks();
    showInfo(state.hovered || state.pinned, state.hovered ? `pointer at ${fmt(p.x)}, ${fmt(p.y)} mm` : null);
  });
  stage.addEventListener("mouseleave", () => { state.hovered = null; if (state.preview) { drawMarks(); showInfo(state.pinned, state.pinned ? "pinned" : null); } });
  stage.addEventListener("click", (e) => {
    if (!state.preview || !$("show-inspector").checked) return;
    const p = pointerMm(e);
    state.pinned = pick(p.x, p.y, p.scale);
    const index = state.preview.geometry.elements.indexOf(state.pinned);
    if (index >= 0) $("elements").value = String(index);
    showInfo(state.pinned, "pinned");
    drawMarks();
  });
  $("elements").addEventListener("change", (e) => {
    state.pinned = state.preview.geometry.elements[+e.target.value];
    state.hovered = null;
    showInfo(state.pinned, "picked from the list");
    drawMarks();
  });
  $("overlay-file").addEventListener("change", loadOverlay);
  $("overlay-page").addEventListener("change", () => { loadOverlay(); updateLink(); });
  for (const id of ["overlay-opacity", "overlay-x", "overlay-y"]) {
    $(id).addEventListener("input", positionOverlay);
    $(id).addEventListener("change", updateLink);
  }
  $("overlay-clear").addEventListener("click", () => { state.overlay = null; $("overlay-file").value = ""; positionOverlay(); });
  $("diff").addEventListener("change", (e) => { state.diff = e.target.value; runDiff(); });
  window.addEventListener("resize", () => { if (state.zoom === "fit") layoutStage(); });
}

async function start() {
  wire();
  applyViewParams();
  const resp = await fetch(`/v1/studio/${encodeURIComponent(layoutId)}`);
  if (!resp.ok) { setStatus("Unknown layout", true); return; }
  state.meta = await resp.json();
  if (!state.meta.sample_sets[state.languages]) state.languages = "sl";
  buildControls();
  $("zoom").value = state.zoom;
  await restoreWork();
  for (const b of $("languages").querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.languages === state.languages));
  $("variant").value = state.variant;
  $("upload-group").hidden = !(state.meta.upload || state.meta.attachment);
  if (state.meta.upload) $("upload-file").accept = ".pdf,.png,.jpg,.jpeg,.tif,.tiff,application/pdf,image/png,image/jpeg,image/tiff";
  if (!$("upload-group").hidden) chooseUploadLabel();
  fillDiff();
  showMissing();
  updateLink();
  document.body.dataset.state = "idle";
  scheduleRender(0, "open");
  if (state.meta.dev) { state.version = state.meta.dev.version; watchLayout(); }
}

function chooseUploadLabel() {
  $("upload-name").textContent = `bundled sample ${state.meta.upload || state.meta.attachment}`;
  $("upload-label").textContent = `Own ${state.meta.upload || state.meta.attachment}`;
}

start();
