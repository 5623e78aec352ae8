// @ts-check
// Edits are state: languages switched with the wording kept, drafts in local storage, share links.
import { DRAFT_KEY, layoutId, params, state } from "./state.js";
import { $, el, setStatus } from "./dom.js";
import { markEditor, showMissing } from "./editor.js";
import { fillDiff, fillSets, loadSet, setsFor } from "./controls.js";
import { scheduleRender } from "./rendering.js";

export const LANGS = ["sl", "it", "hu"];

export function resolve(node) {
  const defs = state.meta.request_schema.$defs || {};
  while (node && node.$ref) node = defs[node.$ref.split("/").pop()];
  return node || {};
}

export function isWording(node) { // wording by language: a string, or {"sl": …, "it": …}
  const options = (node.anyOf || [node]).map(resolve);
  return options.some((o) => o.type === "object" && o.properties && "sl" in o.properties
    && Object.keys(o.properties).every((k) => LANGS.includes(k)));
}

export function branch(node, value) {
  node = resolve(node);
  if (!node.anyOf) return node;
  const wanted = Array.isArray(value) ? "array" : value === null ? "null" : typeof value === "object" ? "object" : typeof value;
  const options = node.anyOf.map(resolve);
  return options.find((o) => o.type === wanted) || options.find((o) => o.type !== "null") || options[0];
}

export function at(doc, path) {
  for (const part of path) { if (doc === null || typeof doc !== "object" || !(part in doc)) return undefined; doc = doc[part]; }
  return doc;
}

// The request in another language set: every wording field keeps its Slovenian and gains the
// new language's text (the designer's earlier text in it, else the sample's, else the Slovenian);
// the texts of languages no longer shown are remembered for switching back.
export function convertLanguages(body, target) {
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

export function sameJson(a, b) {
  try { return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b)); } catch (e) { return false; }
}

export function saveDraft() {
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify({
      text: $("editor").value, languages: state.languages, set: state.set, edited: state.edited,
      memory: state.memory, variant: state.variant,
    }));
  } catch (e) { setStatus("Your edits could not be kept in this browser's storage: " + e.message, true); }
}

export function loadDraft() {
  try { return JSON.parse(localStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { return null; }
}

export async function pack(text) { // JSON → deflate → base64url, for the URL fragment
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function unpack(code) {
  const bin = atob(code.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).text();
}

export function switchLanguages(key) {
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

/** The overlay's inputs a share link pins, in its order. */
export const OVERLAY_INPUTS = /** @type {const} */ (["overlay-x", "overlay-y", "overlay-opacity", "overlay-page"]);

let linkSeq = 0;
export async function updateLink() { // the URL pins the view; an edited request rides in the fragment, compressed
  const seq = ++linkSeq;
  const q = new URLSearchParams({ lang: state.languages, set: state.edited ? "edited" : state.set, variant: state.variant });
  if (state.page > 1) q.set("page", String(state.page));
  if (state.zoom !== "fit") q.set("zoom", state.zoom);
  if (state.separation) q.set("sep", state.separation);
  if ($("show-print").checked) q.set("print", "1");
  const ov = OVERLAY_INPUTS.map((id) => $(id).value);
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

export function applyViewParams() { // print view and overlay settings from a share link
  if (params.get("print") === "1") $("show-print").checked = true;
  const ov = (params.get("overlay") || "").split(",");
  if (ov.length === 4 && ov.every((v) => v !== "" && Number.isFinite(+v))) {
    OVERLAY_INPUTS.forEach((id, i) => { $(id).value = ov[i]; });
  }
}

export async function restoreWork() { // a share link's edit, else this browser's draft, else the sample set
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
export function keepPreviousDraft(offer) {
  const draft = loadDraft();
  if (!draft || !draft.edited) return;
  try { localStorage.setItem(DRAFT_KEY + ".previous", JSON.stringify({ ...draft, kept: new Date().toISOString() })); }
  catch (e) { return; }
  if (offer) offerPrevious();
}

export function offerPrevious() {
  let previous = null;
  try { previous = JSON.parse(localStorage.getItem(DRAFT_KEY + ".previous") || "null"); } catch (e) { /* none */ }
  const box = $("draft-notice");
  box.replaceChildren();
  if (!previous) return;
  const when = new Date(previous.kept).toLocaleString();
  box.append(`Your earlier edits of this layout (set aside ${when}) are kept in this browser. `,
    el("button", { type: "button", id: "restore-previous", onclick: restorePrevious }, "Restore them"));
}

export function restorePrevious() {
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
