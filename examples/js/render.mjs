// Render one document: POST a layout's request (JSON) to /v1/render/{layout}, save the answer.
//
//     node render.mjs stamp.receipt samples/stamp.receipt.json stamp.pdf [FORMAT]
//
// OBRAZCI_URL names the service (default http://127.0.0.1:8000). An error answer is
// problem+json (RFC 9457): its errors[] are printed, each with where it is (a JSON pointer
// into the request, a parameter, a header), and the script exits 1. Node 18 or later.
import { readFile, writeFile } from "node:fs/promises";

const SERVICE = process.env.OBRAZCI_URL ?? "http://127.0.0.1:8000";

/** What an error answer says: title and detail, then one line for each of its errors. */
async function problemLines(response) {
  if (!(response.headers.get("Content-Type") ?? "").startsWith("application/problem+json")) {
    return [`${response.status} ${response.statusText}`];
  }
  const problem = await response.json();
  const lines = [`${problem.status} ${problem.title}: ${problem.detail ?? ""}`];
  for (const { detail = "", ...where } of problem.errors ?? []) {
    const place = Object.entries(where).map(([key, value]) => `${key}=${value}`);
    lines.push(`  ${place.join(" ")}: ${detail}`);
  }
  return lines;
}

const [layout, requestFile, out, format = "pdf"] = process.argv.slice(2);
if (!out) {
  console.error("usage: node render.mjs LAYOUT REQUEST.json OUT [FORMAT]");
  process.exit(2);
}
const request = JSON.parse(await readFile(requestFile, "utf8"));
const query = new URLSearchParams({ format });
const response = await fetch(`${SERVICE}/v1/render/${layout}?${query}`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(request),
});
if (!response.ok) {
  console.error((await problemLines(response)).join("\n"));
  process.exit(1);
}
for (const finding of JSON.parse(response.headers.get("X-Findings") ?? "[]")) {
  console.error(`finding ${finding.pointer}: ${finding.detail}`); // advice, not errors
}
const document = Buffer.from(await response.arrayBuffer());
await writeFile(out, document);
console.log(`${out}: ${document.length} bytes, ${response.headers.get("Content-Type")}`);
