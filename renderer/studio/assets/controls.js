// @ts-check
// The header's controls: language buttons, sample sets, variants, the compare list.
import { state } from "./state.js";
import { $, el } from "./dom.js";
import { markEditor } from "./editor.js";
import { keepPreviousDraft, saveDraft, switchLanguages, updateLink } from "./edits.js";
import { scheduleRender } from "./rendering.js";

export function languageLabel(set) { return set.label; }

export function buildControls() {
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

export function setsFor(languages) { return state.meta.sample_sets[languages] || {}; }

export const SET_NAMES = { sample: "bundled sample", longest: "longest values", "empty-optional": "optional fields empty", "most-rows": "most rows" };

export function fillSets() {
  const select = $("sample-set");
  select.replaceChildren();
  for (const name of Object.keys(setsFor(state.languages))) select.append(el("option", { value: name }, SET_NAMES[name] || name));
  select.append(el("option", { value: "edited", disabled: "" }, "edited"));
  if (!(state.set in setsFor(state.languages))) state.set = "sample";
  select.value = state.edited ? "edited" : state.set;
}

export function fillDiff() {
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

export function loadSet(name) {
  state.set = name;
  state.edited = false;
  state.memory = {};
  const body = setsFor(state.languages)[name];
  $("editor").value = JSON.stringify(body, null, 2);
  $("sample-set").value = name;
  markEditor([]);
  saveDraft();
}

export function chooseSet(name) { // asks before the designer's edits are replaced
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
