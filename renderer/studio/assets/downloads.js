// @ts-check
// Downloads (the PDF as POST /v1/render gives it, the page shown as PNG) and the layout's own upload.
import { layoutId, state } from "./state.js";
import { $, el, setStatus } from "./dom.js";
import { editorBody, fetchPreview, scheduleRender, sentence } from "./rendering.js";

export async function download(format) {
  const { body, error } = editorBody();
  if (error) { setStatus("Fix the JSON first", true); return; }
  let resp;
  if (format === "pdf") { // exactly what POST /v1/render gives for this request
    const q = new URLSearchParams({ format: "pdf", variant: state.variant });
    const part = state.meta.upload || state.meta.attachment;
    /** @type {RequestInit} */
    let init = { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    if (part) {
      const file = state.upload || await (await fetch(`/v1/studio/${encodeURIComponent(layoutId)}/upload`)).blob();
      const form = new FormData();
      form.append("request", new Blob([JSON.stringify(body)], { type: "application/json" }), "request.json");
      form.append(part, file, state.upload ? state.upload.name : `${layoutId}.${part}.pdf`);
      init = { method: "POST", body: form };
    }
    setStatus("Rendering the PDF…");
    resp = await fetch(`/v1/render/${encodeURIComponent(layoutId)}?${q}`, init);
    if (!resp.ok) { const j = await resp.json(); setStatus(`No PDF: ${j.title}: ${sentence(j.detail)}`, true); return; }
    save(await resp.blob(), (/filename="([^"]+)"/.exec(resp.headers.get("Content-Disposition") || "") || [])[1] || `${layoutId}.pdf`);
    setStatus("PDF downloaded (POST /v1/render)");
  } else { // the page as shown (page, separation), at 300 dpi
    const { ok, json } = await fetchPreview(body, { page: state.page, dpi: 300, cache: false });
    if (!ok) { setStatus(`No PNG: ${json.title}`, true); return; }
    const bytes = Uint8Array.from(atob(json.png), (c) => c.charCodeAt(0));
    const sep = state.separation ? "." + state.separation.replace(/\W+/g, "-") : "";
    save(new Blob([bytes], { type: "image/png" }), `${layoutId}.${state.languages.replace(",", "-")}.page${state.page}${sep}.png`);
    setStatus(`PNG of page ${state.page} downloaded (300 dpi)`);
  }
}

export function save(blob, name) {
  const a = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export function chooseUpload() {
  const file = $("upload-file").files[0] || null;
  state.upload = file;
  $("upload-clear").hidden = !file;
  $("upload-name").textContent = file ? file.name : `bundled sample ${state.meta.upload || state.meta.attachment}`;
  state.cache.clear();
  scheduleRender(0, "upload");
}
