// The envelope header (seal.md §4): parse strictly, and derive core, bind, salt and K from it.

import {dumps} from "./cj.js";
import {hmacSha256, sha256, sha256Hex} from "./digest.js";
import {FormatError, SealError, failingAs} from "./errors.js";
import {exactKeys, integer, loadObject, text} from "./fields.js";
import {concat, fromHex} from "./hex.js";
import {hkdf} from "./kdf.js";
import {CHUNK, FORM_BLOCK, KEY_COMMIT, KINDS, MAX_HEADER, PAYLOAD, SUITE, VERSION} from "./labels.js";
import {parseStanza, stanzaJson} from "./stanza.js";

const FIELDS = ["v", "suite", "listing", "bidder", "bid_id", "kind", "chunk", "size", "recipients", "kc", "pc"];

/** bind: the aad of both envelope stanzas, so a stanza moved to another bid fails. */
export function bindAad({listing, bidder, bidId, kind}) {
  return dumps({bid_id: bidId, bidder, kind, listing});
}

/** The header without kc and pc; `bidderStanza` null for a listing-only envelope. */
export function coreObject({listing, bidder, bidId, kind, size, listingStanza, bidderStanza}) {
  const recipients = {listing: stanzaJson(listingStanza)};
  if (bidderStanza) recipients.bidder = stanzaJson(bidderStanza);
  return {v: VERSION, suite: SUITE, listing, bidder, bid_id: bidId, kind, chunk: CHUNK, size, recipients};
}

/** K = HKDF(ikm = K_l ‖ K_b, salt = SHA-256(CJ(core)), "sunbid-seal/1 payload"). */
export async function payloadKey(core, kL, kB) {
  return hkdf(concat(kL, kB), await sha256(dumps(core)), PAYLOAD);
}

/** kc = HMAC-SHA256(key = K, "sunbid-seal/1 key-commit"). */
export function keyCommitment(key) {
  return hmacSha256(key, KEY_COMMIT);
}

export class Header {
  constructor(fields) {
    Object.assign(this, fields); // raw, listing, bidder, bidId, kind, size, listingStanza, bidderStanza, kc, pc
  }

  get bind() {
    return bindAad(this);
  }

  core() {
    return coreObject(this);
  }

  /** Hex SHA-256 of the header's bytes: a receipt's header_sha256. */
  sha256() {
    return sha256Hex(this.raw);
  }
}

async function parse(raw) {
  if (raw.length > MAX_HEADER) throw new FormatError(`header longer than ${MAX_HEADER} bytes`);
  const obj = exactKeys(loadObject(raw, "header"), FIELDS, "header");
  if (obj.v !== VERSION || obj.suite !== SUITE || obj.chunk !== CHUNK) {
    throw new FormatError("v, suite or chunk is not sunbid-seal/1's");
  }
  if (!KINDS.includes(obj.kind)) throw new FormatError("kind is neither form nor docs");
  const size = integer(obj.size, 0, "size");
  if (obj.kind === "form" && (size === 0 || size % FORM_BLOCK)) {
    throw new FormatError(`a form's size is a positive multiple of ${FORM_BLOCK}`);
  }
  const recipients = obj.recipients;
  const names = recipients && typeof recipients === "object" && !Array.isArray(recipients)
    ? Object.keys(recipients).sort().join(",") : "";
  if (names !== "listing" && names !== "bidder,listing") {
    throw new FormatError('recipients is not {"listing"[, "bidder"]}');
  }
  return new Header({
    raw, listing: text(obj.listing, "listing"), bidder: text(obj.bidder, "bidder"),
    bidId: text(obj.bid_id, "bid_id"), kind: obj.kind, size,
    listingStanza: await parseStanza(recipients.listing, "recipients.listing"),
    bidderStanza: recipients.bidder === undefined ? null : await parseStanza(recipients.bidder, "recipients.bidder"),
    kc: fromHex(obj.kc, 32, "kc"), pc: fromHex(obj.pc, 32, "pc"),
  });
}

/** The header from its CJ bytes (no trailing 0x0A), or SealError HEADER_INVALID. */
export function parseHeader(raw) {
  return failingAs("HEADER_INVALID", () => parse(raw));
}

/** The header's bytes: everything before the envelope's first 0x0A, within 65,537 bytes. */
export async function readHeaderLine(envelope) {
  const head = await envelope.read(0, Math.min(envelope.size, MAX_HEADER + 1));
  const end = head.indexOf(10);
  if (end < 0) throw new SealError("HEADER_INVALID", `no 0x0A within ${MAX_HEADER + 1} bytes`);
  return head.slice(0, end);
}
