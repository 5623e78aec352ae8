// @ts-check
// The entry module (studio.html loads it): every control wired, then the layout opened.
import { layoutId, state } from "./state.js";
import { $, fmt, setStatus, zoomFactor } from "./dom.js";
import { markEditor, showMissing, syncScroll } from "./editor.js";
import { buildControls, chooseSet, fillDiff } from "./controls.js";
import { applyViewParams, restoreWork, saveDraft, updateLink } from "./edits.js";
import { scheduleRender } from "./rendering.js";
import { drawMarks, drawRulers, layoutStage, printLegend } from "./stage.js";
import { pick, pointerMm, showInfo } from "./inspector.js";
import { loadOverlay, positionOverlay } from "./overlay.js";
import { runDiff } from "./diff.js";
import { chooseUpload, download } from "./downloads.js";
import { watchLayout } from "./live.js";

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
  $("sample-set").addEventListener("change", () => chooseSet($("sample-set").value));
  $("variant").addEventListener("change", (e) => { state.variant = $("variant").value; state.separation = ""; saveDraft(); updateLink(); scheduleRender(0, "variant"); });
  $("separation").addEventListener("change", (e) => { state.separation = $("separation").value; updateLink(); scheduleRender(0, "separation"); });
  /** @param {number} n */
  const goPage = (n) => {
    const pages = state.preview ? state.preview.pages : 1;
    state.page = Math.min(Math.max(1, n), pages);
    $("page").value = String(state.page);
    updateLink();
    scheduleRender(0, "page");
  };
  $("page-prev").addEventListener("click", () => goPage(state.page - 1));
  $("page-next").addEventListener("click", () => goPage(state.page + 1));
  $("page").addEventListener("change", () => goPage(parseInt($("page").value, 10) || 1));
  const zoomSteps = ["0.5", "0.75", "1", "1.5", "2", "3", "4"];
  /** @param {string} z */
  const setZoom = (z) => { state.zoom = z; $("zoom").value = z; layoutStage(); updateLink(); scheduleRender(150, "zoom"); };
  /** @param {number} dir */
  const stepZoom = (dir) => {
    const now = zoomFactor();
    const next = dir > 0 ? zoomSteps.find((z) => parseFloat(z) > now + 1e-3) : [...zoomSteps].reverse().find((z) => parseFloat(z) < now - 1e-3);
    if (next) setZoom(next);
  };
  $("zoom").addEventListener("change", () => setZoom($("zoom").value));
  $("zoom-in").addEventListener("click", () => stepZoom(1));
  $("zoom-out").addEventListener("click", () => stepZoom(-1));
  for (const id of /** @type {const} */ (["show-grid", "show-prescribed", "show-print", "show-inspector"])) {
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
  $("elements").addEventListener("change", () => {
    state.pinned = state.preview.geometry.elements[+$("elements").value];
    state.hovered = null;
    showInfo(state.pinned, "picked from the list");
    drawMarks();
  });
  $("overlay-file").addEventListener("change", loadOverlay);
  $("overlay-page").addEventListener("change", () => { loadOverlay(); updateLink(); });
  for (const id of /** @type {const} */ (["overlay-opacity", "overlay-x", "overlay-y"])) {
    $(id).addEventListener("input", positionOverlay);
    $(id).addEventListener("change", updateLink);
  }
  $("overlay-clear").addEventListener("click", () => { state.overlay = null; $("overlay-file").value = ""; positionOverlay(); });
  $("diff").addEventListener("change", (e) => { state.diff = $("diff").value; runDiff(); });
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
