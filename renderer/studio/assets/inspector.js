// @ts-check
// The inspector: what is under the pointer, the list of elements, the prescribed sizes.
import { state } from "./state.js";
import { $, el, fmt } from "./dom.js";
import { drawMarks } from "./stage.js";

export function pointerMm(event) {
  const rect = $("stage").getBoundingClientRect();
  const m = state.preview.geometry.media;
  const scale = rect.width / m.width;
  return { x: m.x + (event.clientX - rect.left) / scale, y: m.y + (event.clientY - rect.top) / scale, scale };
}

export function pick(x, y, scale) {
  const slack = 3 / scale; // three screen pixels, so hairlines can be hit
  let best = null;
  for (const e of state.preview.geometry.elements) {
    if (x < e.x - slack || x > e.x + e.width + slack || y < e.y - slack || y > e.y + e.height + slack) continue;
    const area = Math.max(e.width, slack) * Math.max(e.height, slack);
    if (!best || area < best.area) best = { area, e };
  }
  return best && best.e;
}

export function styleText(st) {
  return `${st.font} · ${Number(st.size_pt).toFixed(1)} pt · weight ${st.weight ?? "—"}`;
}

export function swatch(colour, spot) {
  return el("span", {}, el("span", { class: "swatch", style: `background:${colour}` }), ` ${colour}${spot ? " · " + spot : ""}`);
}

export function describe(e) {
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

export function showInfo(e, note) {
  const box = $("hover-info");
  if (!e) { box.replaceChildren(el("span", { class: "muted" }, "Point at the page or pick an element.")); return; }
  const dl = el("dl");
  for (const [k, v] of describe(e)) dl.append(el("dt", {}, k), el("dd", {}, v));
  box.replaceChildren(...(note ? [el("div", { class: "muted" }, note)] : []), dl);
}

export function elementLabel(e) {
  const what = e.text ? `“${e.text.slice(0, 28)}”` : e.kind;
  return `${what} · ${fmt(e.x)}, ${fmt(e.y)} · ${fmt(e.width)} × ${fmt(e.height)} mm`;
}

export function fillElements() {
  const select = $("elements");
  const elements = state.preview.geometry.elements;
  select.replaceChildren(...elements.map((e, i) => el("option", { value: i }, elementLabel(e))));
  state.hovered = null;
  state.pinned = null;
  showInfo(null);
}

export function showChecks() {
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
