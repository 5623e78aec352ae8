// @ts-check
// The reference overlay: a scan laid over the render at its size in mm.
import { state } from "./state.js";
import { $, fmt, previewDpi, setStatus } from "./dom.js";
import { mmToStage } from "./stage.js";

export async function loadOverlay() {
  const file = $("overlay-file").files[0];
  if (!file) return;
  const q = new URLSearchParams({ page: $("overlay-page").value || "1", dpi: String(Math.min(200, previewDpi())) });
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

export function positionOverlay() {
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
