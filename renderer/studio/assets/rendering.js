// @ts-check
// Rendering: debounced previews, cancelled when stale, kept in memory, prefetched while idle.
/** @typedef {import("./state.js").Answer} Answer */
import { CACHED_PREVIEWS, DEBOUNCE_MS, hook, layoutId, PREFETCH_IDLE_MS, state } from "./state.js";
import { syntaxError } from "./jsonsyntax.js";
import { $, el, previewDpi, setStatus } from "./dom.js";
import { showErrors, showFindings } from "./editor.js";
import { setsFor } from "./controls.js";
import { convertLanguages } from "./edits.js";
import { layoutStage, overflowBoxes, printLegend } from "./stage.js";
import { fillElements, showChecks } from "./inspector.js";
import { runDiff } from "./diff.js";

export function cancelInFlight() { // a render older than the latest edit is no longer wanted
  if (state.controller && state.inFlight) {
    state.controller.abort();
    hook.cancelled++;
  }
  state.inFlight = false;
  state.renderSeq++; // whatever is still on its way is stale
}

/**
 * @param {number | "now"} delay  ms of debounce, or "now" (Render, Ctrl+Enter)
 * @param {string} what  what the change was (for the status)
 */
export function scheduleRender(delay = DEBOUNCE_MS, what = "edit") {
  clearTimeout(state.timer);
  clearTimeout(state.prefetchTimer); // a background render under way finishes (the server would anyway)
  cancelInFlight();
  if ($("manual").checked && delay !== "now" && what === "edit") { setStatus("Manual mode: press Render (Ctrl+Enter)"); return; }
  if (delay === "now" || what !== "edit" || state.startedAt === null) state.startedAt = performance.now();
  state.what = what;
  state.timer = setTimeout(render, delay === "now" ? 0 : delay);
}

/**
 * @param {number} page
 * @param {string} separation
 * @param {number} dpi
 */
export function previewQuery(page, separation, dpi = previewDpi()) {
  const q = new URLSearchParams({ page: String(page), dpi: String(dpi), variant: state.variant });
  if (separation) q.set("separation", separation);
  return q;
}

export function uploadKey() { return state.upload ? `${state.upload.name}:${state.upload.size}:${state.upload.lastModified}` : ""; }

/**
 * One page of a request's render: from memory, from a request already on its way, or asked for.
 * @param {object} body  the request
 * @param {{page: number, signal?: AbortSignal, separation?: string, dpi?: number, cache?: boolean}} options
 * @returns {Promise<Answer>}
 */
export async function fetchPreview(body, { page, signal, separation = state.separation, dpi, cache = true }) {
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

/**
 * @param {string} key
 * @param {string} text  the request as JSON
 * @param {URLSearchParams} q
 * @param {AbortSignal | undefined} signal
 * @param {boolean} cache
 * @returns {Promise<Answer>}
 */
export async function request(key, text, q, signal, cache) {
  const part = state.meta.upload || state.meta.attachment;
  /** @type {RequestInit} */
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

export function sentence(text) { text = (text || "").trim(); return !text || /[.!?:;]$/.test(text) ? text : text + "."; }

export function editorBody() {
  try { return { body: JSON.parse($("editor").value) }; }
  catch (e) { return { error: e }; }
}

export async function render() {
  cancelInFlight();
  const seq = ++state.renderSeq;
  const controller = new AbortController();
  state.controller = controller;
  const started = state.startedAt ?? performance.now();
  const what = state.what || "edit";
  state.startedAt = null;
  const { body, error } = editorBody();
  if (error) {
    const text = $("editor").value;
    const where = syntaxError(text) || { offset: 0, detail: error.message }; // the scan and JSON.parse agree
    showErrors("The JSON does not parse; the last good preview stays.", [where]);
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
      hook.errors++;
      return;
    }
    await show(json);
    if (seq !== state.renderSeq) return;
    const ms = performance.now() - started;
    showDetails();
    hook.timings.push(ms);
    hook.last = { what, ms, cached: !!cached };
    hook.renders++;
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
export async function prefetch(body, seq) {
  if (!hook.prefetch) return;
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
    hook.prefetched++;
  }
}

export function convertLanguagesQuietly(body, key) { // the conversion without remembering anything
  const memory = state.memory;
  state.memory = JSON.parse(JSON.stringify(memory));
  try { return convertLanguages(body, key); } finally { state.memory = memory; }
}

export async function show(json) {
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

export function showDetails() { // the inspector's lists, after the page is on screen
  fillElements();
  showChecks();
  printLegend();
  $("download-pdf").disabled = refusedByTheApi(state.preview);
}

// the API renders no document with an overflow or a missing translation: nothing to download
export function refusedByTheApi(preview) { return !!(preview && (preview.overflows.length || preview.untranslated.length)); }

export function fillSeparations(names) {
  const select = $("separation");
  const keep = state.separation;
  select.replaceChildren(el("option", { value: "" }, "All inks"), ...names.map((n) => el("option", { value: n }, n)));
  select.disabled = !names.length;
  select.title = names.length ? "Show one ink's plate" : "Spot colours: choose a variant with spot colours";
  select.value = names.includes(keep) ? keep : "";
}
