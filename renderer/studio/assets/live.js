// @ts-check
// Live templates (renderer serve --dev): the layout's files polled, a change rendered again.
import { DEV_POLL_MS, hook, layoutId, state } from "./state.js";
import { $, el } from "./dom.js";
import { showMissing } from "./editor.js";
import { loadSet, setsFor } from "./controls.js";
import { scheduleRender } from "./rendering.js";

export async function watchLayout() { // polls the layout's files; a change renders again, edits kept
  for (;;) {
    await new Promise((r) => setTimeout(r, DEV_POLL_MS));
    let answer;
    try { answer = await (await fetch(`/v1/studio/${encodeURIComponent(layoutId)}/changes`)).json(); }
    catch (e) { continue; }
    showTemplateProblems(answer.problems);
    if (answer.version === state.version) continue;
    state.version = answer.version;
    state.cache.clear();
    hook.reloads++;
    const shown = hook.renders;
    scheduleRender(0, "template change"); // the page first; then what else may have changed
    while (hook.renders === shown && document.body.dataset.state === "rendering") await new Promise((r) => setTimeout(r, 20));
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

export function showTemplateProblems(problems) {
  const box = $("template-problems");
  box.replaceChildren();
  if (!problems || !problems.length) return;
  box.append(el("strong", {}, "The layout's files have errors (renderer serve --dev):"),
    el("ul", {}, ...problems.map((p) => el("li", {}, el("code", {}, `${p.file}${p.line ? ":" + p.line : ""}`), " " + p.detail))));
}
