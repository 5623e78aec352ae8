// Sign with one of the service's signer profiles (README, "Signing (PAdES)"), then have the
// service verify the result (POST /v1/verify).
//
//     node sign.mjs stamp.receipt samples/stamp.receipt.json signed.pdf   # render and sign
//     node sign.mjs document.pdf signed.pdf                               # sign a PDF you have
//
// OBRAZCI_URL names the service (default http://127.0.0.1:8000); OBRAZCI_API_KEY is a key the
// service's signing configuration allows the profile ([api_keys.…]); OBRAZCI_SIGN_PROFILE
// (default office) and OBRAZCI_SIGN_LEVEL (B-B, B-T, B-LT, B-LTA; default B-T, which needs a
// tsa_url in the profile) choose how. Node 18 or later.
import { readFile, writeFile } from "node:fs/promises";

const SERVICE = process.env.OBRAZCI_URL ?? "http://127.0.0.1:8000";
const KEY = process.env.OBRAZCI_API_KEY ?? "";
const PROFILE = process.env.OBRAZCI_SIGN_PROFILE ?? "office";
const LEVEL = process.env.OBRAZCI_SIGN_LEVEL ?? "B-T";

/** POST to the service; an error answer ends the script with what its problem+json says. */
async function post(path, query, contentType, body) {
  const response = await fetch(`${SERVICE}${path}?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { "X-API-Key": KEY, "Content-Type": contentType },
    body,
  });
  if (response.ok) return response;
  let lines = [`${response.status} ${response.statusText}`];
  if ((response.headers.get("Content-Type") ?? "").startsWith("application/problem+json")) {
    const problem = await response.json();
    lines = [`${problem.status} ${problem.title}: ${problem.detail ?? ""}`];
    for (const { detail = "", ...where } of problem.errors ?? []) {
      const place = Object.entries(where).map(([key, value]) => `${key}=${value}`);
      lines.push(`  ${place.join(" ")}: ${detail}`);
    }
  }
  console.error(lines.join("\n"));
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.length !== 2 && args.length !== 3) {
  console.error("usage: node sign.mjs LAYOUT REQUEST.json OUT.pdf | node sign.mjs IN.pdf OUT.pdf");
  process.exit(2);
}
const signing = { sign: PROFILE, level: LEVEL };
// a visible signature: also stamp: "X,Y" (mm from the page's top left), stamp_page: N
let response;
if (args.length === 3) {
  // render and sign in one request
  const [layout, requestFile] = args;
  const request = await readFile(requestFile, "utf8");
  const query = { format: "pdfa-2b", ...signing };
  response = await post(`/v1/render/${layout}`, query, "application/json", request);
} else {
  // sign a PDF as it is (incrementally: its bytes are kept, the signature added)
  response = await post("/v1/sign", signing, "application/pdf", await readFile(args[0]));
}
const out = args.at(-1);
const signed = Buffer.from(await response.arrayBuffer());
await writeFile(out, signed);
const report = await (await post("/v1/verify", {}, "application/pdf", signed)).json();
console.log(`${out}: ${signed.length} bytes, signed at ${report.level}`);
for (const s of report.signatures) {
  console.log(
    `  ${s.kind} by ${s.signer}: intact ${s.intact}, valid ${s.valid},` +
      ` trusted ${s.trusted}, level ${s.level}`,
  );
}
