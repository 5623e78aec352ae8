// @ts-check
// Helpers: the page's elements by id (typed as studio.html has them), element builders, the
// status line, and the scale the page is shown at.
import { PX_PER_MM, state } from "./state.js";

export const SVG = "http://www.w3.org/2000/svg";

/**
 * studio.html's elements by id, typed as the page has them
 * @typedef {{
 *   "layout-id": HTMLSpanElement,
 *   "layout-title": HTMLSpanElement,
 *   "languages": HTMLFieldSetElement,
 *   "sample-set": HTMLSelectElement,
 *   "variant": HTMLSelectElement,
 *   "manual": HTMLInputElement,
 *   "render": HTMLButtonElement,
 *   "upload-group": HTMLSpanElement,
 *   "upload-label": HTMLLabelElement,
 *   "upload-file": HTMLInputElement,
 *   "upload-name": HTMLSpanElement,
 *   "upload-clear": HTMLButtonElement,
 *   "download-pdf": HTMLButtonElement,
 *   "download-png": HTMLButtonElement,
 *   "share-link": HTMLInputElement,
 *   "copy-link": HTMLButtonElement,
 *   "editor-label": HTMLLabelElement,
 *   "editor-backdrop": HTMLPreElement,
 *   "editor": HTMLTextAreaElement,
 *   "draft-notice": HTMLDivElement,
 *   "template-problems": HTMLDivElement,
 *   "errors": HTMLDivElement,
 *   "findings": HTMLDivElement,
 *   "missing": HTMLDivElement,
 *   "page-prev": HTMLButtonElement,
 *   "page": HTMLInputElement,
 *   "page-count": HTMLSpanElement,
 *   "page-next": HTMLButtonElement,
 *   "zoom-out": HTMLButtonElement,
 *   "zoom": HTMLSelectElement,
 *   "zoom-in": HTMLButtonElement,
 *   "show-grid": HTMLInputElement,
 *   "show-inspector": HTMLInputElement,
 *   "show-prescribed": HTMLInputElement,
 *   "show-print": HTMLInputElement,
 *   "separation": HTMLSelectElement,
 *   "overlay-file": HTMLInputElement,
 *   "overlay-page": HTMLInputElement,
 *   "overlay-opacity": HTMLInputElement,
 *   "overlay-x": HTMLInputElement,
 *   "overlay-y": HTMLInputElement,
 *   "overlay-clear": HTMLButtonElement,
 *   "diff": HTMLSelectElement,
 *   "diff-result": HTMLSpanElement,
 *   "print-legend": HTMLDivElement,
 *   "ruler-top": HTMLCanvasElement,
 *   "ruler-left": HTMLCanvasElement,
 *   "viewport": HTMLDivElement,
 *   "stage": HTMLDivElement,
 *   "page-image": HTMLImageElement,
 *   "diff-canvas": HTMLCanvasElement,
 *   "overlay-image": HTMLImageElement,
 *   "marks": SVGSVGElement,
 *   "status": HTMLDivElement,
 *   "hover-info": HTMLDivElement,
 *   "elements": HTMLSelectElement,
 *   "checks": HTMLUListElement
 * }} Elements
 */

/**
 * @template {keyof Elements} K
 * @param {K} id
 * @returns {Elements[K]}
 */
export const $ = (id) => /** @type {any} */ (document.getElementById(id));


export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

export function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

export const fmt = (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(2));

export function setStatus(text, bad = false) {
  $("status").textContent = text;
  $("status").classList.toggle("bad", bad);
}

export function zoomFactor() {
  if (state.zoom !== "fit") return parseFloat(state.zoom);
  const media = state.preview ? state.preview.geometry.media : pageSizeGuess();
  const vp = $("viewport");
  const w = (vp.clientWidth - 48) / (media.width * PX_PER_MM);
  const h = (vp.clientHeight - 48) / (media.height * PX_PER_MM);
  return Math.max(0.1, Math.min(w, h, 4));
}

export function pageSizeGuess() {
  const page = state.meta.page;
  const height = page.height_mm === "auto" ? page.width_mm : page.height_mm;
  return { x: 0, y: 0, width: page.width_mm, height };
}

export function previewDpi() {
  const dpi = 96 * zoomFactor() * (window.devicePixelRatio || 1);
  return Math.round(Math.max(36, Math.min(300, dpi)));
}
