// @ts-check
// Compare: the page against another language set or sample set, differing pixels in red.
import { DIFF_THRESHOLD, hook, state } from "./state.js";
import { $ } from "./dom.js";
import { setsFor } from "./controls.js";
import { convertLanguagesQuietly, editorBody, fetchPreview } from "./rendering.js";

export async function runDiff() {
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
  hook.diff = { differ, total: w * h, ms: performance.now() - started };
}

export function loadImage(src) {
  const img = new Image();
  img.src = src;
  return img.decode().then(() => img);
}
