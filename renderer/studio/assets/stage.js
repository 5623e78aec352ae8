// @ts-check
// The stage: the page image, rulers, grid, print marks, prescribed boxes and overflows.
import { PX_PER_MM, RULER_LABEL_BAND, RULER_TICK_MAX, state } from "./state.js";
import { $, fmt, svg, zoomFactor } from "./dom.js";
import { positionOverlay } from "./overlay.js";

export function layoutStage() {
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

export function mmToStage() { return zoomFactor() * PX_PER_MM; }

export function drawMarks() {
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

export function overflowBoxes(overflows) { // one outline per box: what overflows it, the largest excess, the lines below it
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

export function overflowLabel(o) { // "+7.4 mm", "2 lines over", or both
  const parts = [];
  const x = Math.max(o.excess_mm.right || 0, o.excess_mm.left || 0);
  if (x) parts.push(`+${x.toFixed(1)} mm`);
  if (o.lines_over) parts.push(`${o.lines_over} line${o.lines_over > 1 ? "s" : ""} over`);
  else if (o.excess_mm.bottom || o.excess_mm.top) parts.push(`+${Math.max(o.excess_mm.bottom || 0, o.excess_mm.top || 0).toFixed(1)} mm down`);
  return parts.join(", ") || "overflows";
}

export function printLegend() {
  const on = $("show-print").checked;
  $("print-legend").hidden = !on;
  if (!on || !state.preview) return;
  const g = state.preview.geometry;
  const bleed = Math.max(-g.bleed.x, -g.bleed.y, 0);
  $("print-legend").textContent = `Print view — trim ${fmt(g.trim.width)} × ${fmt(g.trim.height)} mm (black), `
    + `bleed ${fmt(bleed)} mm (red dashed), safe area ${fmt(state.meta.safe_mm)} mm inside the trim (violet dashed)`;
}

export function drawRulers() {
  if (!state.preview) return;
  const g = state.preview.geometry;
  const scale = mmToStage();
  const vp = $("viewport");
  const stage = $("stage");
  const originX = stage.offsetLeft - vp.scrollLeft + (0 - g.media.x) * scale;
  const originY = stage.offsetTop - vp.scrollTop + (0 - g.media.y) * scale;
  const show = $("show-grid").checked;
  /** @type {[HTMLCanvasElement, boolean][]} */
  const rulers = [[$("ruler-top"), true], [$("ruler-left"), false]];
  for (const [canvas, horizontal] of rulers) {
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
