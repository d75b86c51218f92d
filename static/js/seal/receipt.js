// Receipts (seal.md §8): the platform's Ed25519-signed word that it holds what it received.
// The sealer checks its seal receipt (§6 step 4); a bidder checks its receipts before
// unwrapping K_b (§7 step 2).

import {dumps, loads} from "./cj.js";
import {chunkDigest, sha256, sha256Hex} from "./digest.js";
import {verifyStrict} from "./ed25519.js";
import {FormatError, SealError, failingAs} from "./errors.js";
import {exactKeys, integer, sortedHashes, text, timestamp} from "./fields.js";
import {concat, fromHex, toHex, utf8} from "./hex.js";
import {CHUNK, CT, KINDS, MAX_HEADER, RECEIPT, RECEIPT_VERSION, TAG_SIZE} from "./labels.js";
import {source} from "./source.js";

const COMMON = ["v", "type", "kid", "listing", "bidder", "bid_id", "received_at", "audit_seq", "sig"];
const BY_TYPE = {
  seal: ["kind", "header_sha256", "header_sig", "envelope_sha256", "envelope_size", "payload_hash", "sealer"],
  withdraw: ["headers", "withdraw_sig"],
  key: ["kind", "header_sha256", "kb_sha256", "kb_sig"],
};
// Each byte string by its size.
const HEX_SIZES = {kid: 4, sig: 64, header_sha256: 32, header_sig: 64, envelope_sha256: 32,
  payload_hash: 32, sealer: 32, withdraw_sig: 64, kb_sha256: 32, kb_sig: 64};

/** Exactly the fields of its type, each well-formed; FormatError otherwise. */
function checkReceiptFields(receipt) {
  const type = receipt && typeof receipt === "object" ? receipt.type : undefined;
  if (!Object.prototype.hasOwnProperty.call(BY_TYPE, type)) throw new FormatError("type is not seal, withdraw or key");
  exactKeys(receipt, [...COMMON, ...BY_TYPE[type]], `a ${type} receipt`);
  if (receipt.v !== RECEIPT_VERSION) throw new FormatError(`v is not ${RECEIPT_VERSION}`);
  for (const name of ["listing", "bidder", "bid_id"]) text(receipt[name], name);
  timestamp(receipt.received_at, "received_at");
  integer(receipt.audit_seq, 1, "audit_seq");
  for (const [name, size] of Object.entries(HEX_SIZES)) {
    if (name in receipt) fromHex(receipt[name], size, name);
  }
  if ("kind" in receipt && !KINDS.includes(receipt.kind)) throw new FormatError("kind is neither form nor docs");
  if ("envelope_size" in receipt) integer(receipt.envelope_size, 1, "envelope_size");
  if ("headers" in receipt) sortedHashes(receipt.headers, "headers");
}

/** kid = SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[0:4], hex (seal.md §3). */
export async function platformKid(keyName, platformPk) {
  return toHex((await sha256(concat(utf8(keyName), [10, 1], platformPk))).subarray(0, 4));
}

/** Size and hashes of an envelope as a receipt states them (reads the whole envelope once). */
export async function measureEnvelope(envelope) {
  const input = source(envelope);
  const head = await input.read(0, Math.min(input.size, MAX_HEADER + 1));
  const end = head.indexOf(10);
  // No 0x0A within the header's limit: no header hash, and every byte counts as payload.
  const start = end < 0 ? 0 : end + 1;
  const hashes = [];
  for (let at = start; at < input.size; at += CHUNK + TAG_SIZE) {
    hashes.push(await sha256(await input.read(at, Math.min(at + CHUNK + TAG_SIZE, input.size))));
  }
  return {
    size: input.size,
    sha256: await sha256Hex(await input.read(0, input.size)),
    headerSha256: end < 0 ? null : await sha256Hex(head.subarray(0, end)),
    payloadHash: toHex(await chunkDigest(CT, hashes)),
  };
}

function mismatch(receipt, actual) {
  for (const [name, value] of Object.entries(actual)) {
    if (receipt[name] !== value) throw new SealError("RECEIPT_MISMATCH", `${name} is not the receipt's`);
  }
}

/**
 * Check a receipt (CJ bytes, or an object) against the pinned platform key: fields,
 * kid and strict signature, else RECEIPT_INVALID; with `envelope` (a Blob or bytes) also its
 * size and hashes, else RECEIPT_MISMATCH. Returns the receipt object.
 */
export async function verifyReceipt(receipt, {platformPk, keyName, envelope} = {}) {
  const value = await failingAs("RECEIPT_INVALID", () => {
    const loaded = receipt instanceof Uint8Array ? loads(receipt) : receipt;
    if (!(receipt instanceof Uint8Array)) dumps(loaded); // an object must be CJ-able, as its bytes would be
    checkReceiptFields(loaded);
    return loaded;
  });
  if (value.kid !== await platformKid(keyName, platformPk)) throw new SealError("RECEIPT_INVALID", "kid is not the platform key's");
  const unsigned = Object.fromEntries(Object.entries(value).filter(([name]) => name !== "sig"));
  if (!(await verifyStrict(platformPk, fromHex(value.sig, 64), concat(RECEIPT, dumps(unsigned))))) {
    throw new SealError("RECEIPT_INVALID", "the signature does not verify");
  }
  if (envelope !== undefined) {
    if (value.type !== "seal") throw new SealError("RECEIPT_INVALID", "not a seal receipt");
    const stored = await measureEnvelope(envelope);
    mismatch(value, {envelope_size: stored.size, envelope_sha256: stored.sha256,
      header_sha256: stored.headerSha256, payload_hash: stored.payloadHash});
  }
  return value;
}

/**
 * §6 step 4: the seal receipt for what `sealEnvelope` returned (`sealed`) — signature, kid,
 * the bid and kind, header_sha256, header_sig, payload_hash and size. Keep it.
 */
export async function checkSealReceipt(receipt, sealed, {platformPk, keyName}) {
  const value = await verifyReceipt(receipt, {platformPk, keyName});
  const header = sealed.header;
  if (value.type !== "seal" || value.listing !== header.listing || value.bidder !== header.bidder
      || value.bid_id !== header.bidId || value.kind !== header.kind) {
    throw new SealError("RECEIPT_INVALID", "the receipt is not this bid's seal receipt");
  }
  mismatch(value, {header_sha256: sealed.headerSha256, header_sig: toHex(sealed.headerSig),
    payload_hash: sealed.payloadHash, envelope_size: sealed.envelopeSize});
  return value;
}
