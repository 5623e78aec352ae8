// A print-shop batch from submit to download, both sides (README, "Print-shop batches").
//
//     node batch.mjs examples/plates.ndjson job/ [--layout sign.name-plate] [--output imposed]
//
// The client (key OBRAZCI_API_KEY) submits the records, NDJSON: one record's data a line, waits
// until the batch is rendered; the print shop (key SHOP_KEY) lists its ready jobs, claims this
// one, downloads its files into the folder (each checked against its SHA-256; a download that
// broke off resumes with Range), reports accepted, printed and shipped; the client lists its
// collected batches and deletes this one with its files. OBRAZCI_URL names the service. The
// defaults are the README walkthrough's: http://127.0.0.1:8000 and the keys of
// examples/batch-access.toml. Node 18 or later, no packages.
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";

const SERVICE = process.env.OBRAZCI_URL ?? "http://127.0.0.1:8000";
const CLIENT_KEY = process.env.OBRAZCI_API_KEY ?? "demo-client-key-change-me";
const SHOP_KEY = process.env.SHOP_KEY ?? "demo-shop-key-change-me";
const FINISHED = ["ready", "completed-with-errors", "failed"];

/** A request to the service with a key; an error answer ends the script with what its
 * problem+json (RFC 9457) says. `json` is sent as the JSON body, `query` as the query. */
async function call(key, method, path, { query, json, headers = {}, ...rest } = {}) {
  const url = `${SERVICE}${path}${query ? `?${new URLSearchParams(query)}` : ""}`;
  if (json) headers = { "Content-Type": "application/json", ...headers };
  const body = json ? JSON.stringify(json) : undefined;
  const response = await fetch(url, {
    method,
    headers: { "X-API-Key": key, ...headers },
    body,
    ...rest,
  });
  if (response.ok) return response;
  const lines = [`${method} ${path}: ${response.status}`];
  if ((response.headers.get("Content-Type") ?? "").startsWith("application/problem+json")) {
    const problem = await response.json();
    lines[0] += ` ${problem.title}: ${problem.detail ?? ""}`;
    for (const { detail = "", ...where } of problem.errors ?? []) {
      const place = Object.entries(where).map(([k, v]) => `${k}=${v}`);
      lines.push(`  ${place.join(" ")}: ${detail}`);
    }
  }
  console.error(lines.join("\n"));
  process.exit(1);
}

const client = (method, path, options) => call(CLIENT_KEY, method, path, options);
const shop = (method, path, options) => call(SHOP_KEY, method, path, options);

// -- the client ------------------------------------------------------------------------

/** The records streamed from the file. The Idempotency-Key makes a retry safe: sent again
 * after a broken connection or a lost answer, it gets the same batch, never a second one. */
async function submit(records, query) {
  // (to be called when it is done instead of polling: a callback_url in `query`, on a host
  // the service allows in OBRAZCI_WEBHOOK_HOSTS; README, Webhooks)
  const key = `order-${randomUUID()}`;
  const headers = { "Content-Type": "application/x-ndjson", "Idempotency-Key": key };
  for (const pause of [1, 2, null]) {
    try {
      // a streamed body: fetch wants duplex "half" for it
      const options = { query, headers, body: createReadStream(records), duplex: "half" };
      return await (await client("POST", "/v1/batches", options)).json();
    } catch (error) {
      // fetch rejects when no answer came: the connection broke or was refused
      console.error(`  submit: ${error.cause ?? error}`);
      if (pause === null) {
        console.error("submit: no answer after 3 attempts");
        process.exit(1);
      }
      // then the same request again, with the same key
      await new Promise((resolve) => setTimeout(resolve, 1000 * pause));
    }
  }
}

/** Poll the batch until it is finished: ready, completed-with-errors or failed. */
async function wait(batchId) {
  let seen;
  for (;;) {
    const batch = await (await client("GET", `/v1/batches/${batchId}`)).json();
    const { done, failed, total } = batch.counts;
    const now = `${batch.state}: ${done} done, ${failed} failed of ${total}`;
    if (now !== seen) console.log(`  ${(seen = now)}`);
    if (FINISHED.includes(batch.state)) return batch;
    // (a client that gives up cancels it here: POST /v1/batches/{id}/cancel)
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The client's batches, newest first (filters: state, since, until), page by page. */
async function* myBatches(filters) {
  const query = { ...filters, limit: "50" };
  for (;;) {
    const page = await (await client("GET", "/v1/batches", { query })).json();
    yield* page.batches;
    if (!page.next_cursor) return; // also in the answer's Link: <…>; rel="next" header
    query.cursor = page.next_cursor;
  }
}

// -- the print shop --------------------------------------------------------------------

async function sha256(path) {
  const digest = createHash("sha256");
  for await (const block of createReadStream(path)) digest.update(block);
  return digest.digest("hex");
}

/** One file of a job into the folder, through NAME.part: a part left by a broken download
 * is continued (Range; If-Range with the file's ETag, its SHA-256, so that a part of some
 * other file is not continued), and the whole is checked against the job's checksum. */
async function download(file, folder) {
  const path = join(folder, file.name);
  const part = `${path}.part`;
  const have = await stat(part).then((s) => s.size, () => 0);
  if (have < file.bytes) {
    const headers = have ? { Range: `bytes=${have}-`, "If-Range": `"${file.sha256}"` } : {};
    const response = await shop("GET", file.url, { headers });
    const out = await open(part, response.status === 206 ? "a" : "w");
    for await (const chunk of response.body) await out.write(chunk);
    await out.close();
  }
  if ((await sha256(part)) !== file.sha256) {
    await unlink(part);
    console.error(`${file.name}: checksum mismatch, the part is removed; download it again`);
    process.exit(1);
  }
  await rename(part, path);
  return path;
}

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    layout: { type: "string", default: "sign.name-plate" },
    languages: { type: "string", default: "sl" },
    output: { type: "string", default: "imposed" }, // files, merged, imposed or layers
    shop: { type: "string", default: "tiskarna-koper" }, // a shop of the access file
  },
});
if (positionals.length !== 2) {
  console.error("usage: node batch.mjs RECORDS.ndjson FOLDER [--layout ID] [--output KIND]");
  process.exit(2);
}
const [records, folder] = positionals;
await mkdir(folder, { recursive: true });

let batch = await submit(records, options);
console.log(`client: submitted batch ${batch.id}, ${batch.counts.total} records`);
batch = await wait(batch.id);
for (const { index, errors } of batch.failures) {
  // correct them: POST …/rerun {"records": {…}}
  for (const error of errors) console.log(`  record ${index} ${error.pointer}: ${error.detail}`);
}
if (batch.state === "failed") {
  console.error(`the batch failed: ${batch.error}`);
  process.exit(1);
}

const { jobs } = await (await shop("GET", "/v1/print-jobs", { query: { state: "ready" } })).json();
console.log(`shop: ${jobs.length} ready job(s)`);
const jobUrl = jobs.find((job) => job.id === batch.id).url;
const job = await (await shop("POST", `${jobUrl}/claim`)).json(); // a 15-minute lease; renew: again
console.log(`shop: claimed ${job.id} until ${job.claimed_until}`);
for (const file of job.files) {
  const path = await download(file, folder);
  console.log(`shop: ${path} (${file.bytes} bytes, SHA-256 checked)`);
}
for (const status of ["accepted", "printed", "shipped"]) {
  // each once it is done; or rejected, with a reason
  await shop("POST", `${jobUrl}/status`, { json: { status } });
  console.log(`shop: reported ${status}`);
}

const collected = [];
for await (const listed of myBatches({ state: "collected" })) collected.push(listed.id);
console.log(`client: ${collected.length} collected batch(es)`);
await client("DELETE", `/v1/batches/${batch.id}`); // else removed after the retention days
console.log(`client: deleted batch ${batch.id} and its files`);
