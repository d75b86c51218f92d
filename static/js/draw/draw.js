// sunbid-draw/1 (draw.md §4, §5) in the browser: anyone recomputes a published draw with
// WebCrypto and BigInt, no third-party code. Same names as the Python module experts.draw.

import {dumps} from "../seal/cj.js";
import {concat, fromHex, toHex, utf8} from "../seal/hex.js";

const subtle = crypto.subtle;
const U64 = 2n ** 64n;
const enc = (text) => utf8(text);

export class DrawError extends Error {
  constructor(code, detail = "") {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
  }
}

async function sha256Hex(bytes) {
  return toHex(new Uint8Array(await subtle.digest("SHA-256", bytes)));
}

async function hmac(key, data) {
  const k = await subtle.importKey("raw", key, {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
  return new Uint8Array(await subtle.sign("HMAC", k, data));
}

function compareBytes(a, b) {
  const x = enc(a);
  const y = enc(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/** The ids NFC-normalised, unique and sorted by UTF-8 bytes. */
export function sortedIds(ids) {
  const out = ids.map((id) => id.normalize("NFC")).sort(compareBytes);
  for (let i = 1; i < out.length; i++) if (out[i] === out[i - 1]) throw new DrawError("INPUT_INVALID", "duplicate id");
  return out;
}

const lines = (items) => enc(items.map((item) => `${item}\n`).join(""));

export function commit(secret) {
  return sha256Hex(concat(enc("sunbid/draw/commit/v1\n"), secret));
}

export function candidatesHash(ids) {
  return sha256Hex(concat(enc("sunbid/draw/candidates/v1\n"), lines(sortedIds(ids))));
}

export function seed({secret, drawId, candidatesHash: cHash, anchor, witness}) {
  if (!/^[0-9]{6,64}$/.test(witness)) throw new DrawError("INPUT_INVALID", "witness");
  return hmac(secret, concat(enc("sunbid/draw/seed/v1\n"), lines([drawId.normalize("NFC"), cHash, anchor, witness])));
}

/** block_c = HMAC-SHA256(seed, "sunbid/draw/stream/v1" ‖ u64be(c)), read 8 bytes at a time. */
export class Stream {
  constructor(seedBytes) {
    this.seed = seedBytes;
    this.counter = 0n;
    this.buffer = new Uint8Array(0);
  }

  async nextU64() {
    if (this.buffer.length === 0) {
      const c = new Uint8Array(8);
      new DataView(c.buffer).setBigUint64(0, this.counter);
      this.buffer = await hmac(this.seed, concat(enc("sunbid/draw/stream/v1"), c));
      this.counter += 1n;
    }
    const word = new DataView(this.buffer.buffer, this.buffer.byteOffset, 8).getBigUint64(0);
    this.buffer = this.buffer.slice(8);
    return word;
  }
}

/** t = (2^64 − n) mod n: values above 2^64 − 1 − t would bias x mod n. */
export function rejectionThreshold(n) {
  n = BigInt(n);
  if (n < 1n || n > U64) throw new DrawError("INPUT_INVALID", `uniform(${n})`);
  return (U64 - n) % n;
}

export async function uniform(n, nextU64) {
  n = BigInt(n);
  const limit = U64 - 1n - rejectionThreshold(n);
  for (;;) {
    const x = await nextU64();
    if (x <= limit) return x % n;
  }
}

export async function resultHash(seedBytes, picks) {
  return toHex(await hmac(seedBytes, concat(enc("sunbid/draw/result/v1\n"), lines(picks))));
}

/** Partial Fisher–Yates over the sorted ids: {drawn, backups, result, uniforms, candidatesHash}. */
export async function draw({secret, drawId, candidates, anchor, witness, k, m}) {
  const a = sortedIds(candidates);
  if (a.length < k) throw new DrawError("INSUFFICIENT_CANDIDATES", `${a.length} candidates for k=${k}`);
  const cHash = await candidatesHash(a);
  const s = await seed({secret, drawId, candidatesHash: cHash, anchor, witness});
  const stream = new Stream(s);
  const uniforms = [];
  const n = a.length;
  for (let i = 0; i < Math.min(k + m, n); i++) {
    const u = Number(await uniform(n - i, () => stream.nextU64()));
    uniforms.push(u);
    const j = i + u;
    [a[i], a[j]] = [a[j], a[i]];
  }
  const drawn = a.slice(0, k);
  const backups = a.slice(k, k + m);
  return {drawn, backups, result: await resultHash(s, [...drawn, ...backups]), uniforms, candidatesHash: cHash,
    seed: toHex(s)};
}

// --- §5: rules, pool snapshot and manifest ------------------------------------------------

const sha256CJ = (prefix, value) => sha256Hex(concat(enc(prefix), dumps(value)));

export function rulesHash(criteria, rules) {
  return sha256CJ("sunbid/draw/rules/v1\n", {criteria, rules});
}

export function poolSnapshotHash(snapshot) {
  return sha256CJ("sunbid/draw/pool/v1\n", snapshot);
}

export function excludedHash(manifestRows) {
  return sha256CJ("sunbid/draw/excluded/v1\n", manifestRows);
}

export function match(entry, field, anyOf) {
  const value = entry[field];
  const values = typeof value === "string" ? (value ? [value] : []) : value;
  return values.filter((v) => anyOf === null || anyOf.includes(v)).sort(compareBytes);
}

export function manifest(snapshot, rules) {
  const rows = [];
  for (const entry of snapshot) {
    for (const rule of rules) {
      const hit = match(entry, rule.field, rule.any_of);
      if (hit.length) rows.push({id: entry.id, reason: rule.reason, datum: hit[0]});
    }
  }
  return rows.sort((x, y) => compareBytes(x.id, y.id) || compareBytes(x.reason, y.reason)
    || compareBytes(x.datum, y.datum));
}

export function candidatesOf(snapshot, rows) {
  const excluded = new Set(rows.map((row) => row.id));
  return snapshot.map((entry) => entry.id).filter((id) => !excluded.has(id));
}

/** What the public page's button checks: the commitment, and where the candidates are public the whole draw. */
export async function verifyPublished(state) {
  const secret = fromHex(state.secret, 32, "secret");
  if (await commit(secret) !== state.commit) return {ok: false, code: "COMMIT_MISMATCH"};
  if (!state.candidates) return {ok: true, recomputed: false};
  if (await candidatesHash(state.candidates) !== state.candidates_hash) return {ok: false, code: "CANDIDATES_MISMATCH"};
  const out = await draw({secret, drawId: state.draw_id, candidates: state.candidates, anchor: state.anchor,
    witness: state.witness, k: state.k, m: state.m});
  const same = out.result === state.result && out.drawn.join("\n") === state.drawn.join("\n")
    && out.backups.join("\n") === state.backups.join("\n");
  return same ? {ok: true, recomputed: true, drawn: out.drawn} : {ok: false, code: "RESULT_MISMATCH"};
}
