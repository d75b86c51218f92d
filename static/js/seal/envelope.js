// Sealing (seal.md §6 steps 1–3) and opening (§7 step 4) an envelope, streamed over a Blob
// or bytes in 1 MiB chunks: P = r ‖ body, C_i = AES-256-GCM(K, i as 11 bytes ‖ last flag, P_i).
// Only the chunks' SHA-256 values are kept for pc and payload_hash (D of §2), so WebCrypto's
// one-shot digest suffices.

import * as aead from "./aead.js";
import {dumps, normalize} from "./cj.js";
import {chunkDigest, fingerprint, sha256} from "./digest.js";
import {FormatError, SealError} from "./errors.js";
import {checkFormSize, unpadForm} from "./form.js";
import {bindAad, coreObject, keyCommitment, parseHeader, payloadKey, readHeaderLine} from "./header.js";
import {bytesEqual, concat, randomBytes, toHex} from "./hex.js";
import {CHUNK, CT, HEADER_SIG, KINDS, PT, R_SIZE, TAG_SIZE} from "./labels.js";
import * as p256 from "./p256.js";
import {source} from "./source.js";
import {makeStanza, unwrapStanza, unwrapWithEphemeral} from "./stanza.js";

const EMPTY = new Uint8Array(0);

/** n = ⌈(size + 32) / 1048576⌉. */
function chunkCount(size) {
  return Math.ceil((size + R_SIZE) / CHUNK);
}

function payloadLength(size) {
  return size + R_SIZE + TAG_SIZE * chunkCount(size);
}

/** nonce_i = i as 11 bytes big-endian ‖ (0x01 for the last chunk, else 0x00). */
function chunkNonce(index, count) {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(3, Math.floor(index / 2 ** 32));
  view.setUint32(7, index >>> 0);
  nonce[11] = index === count - 1 ? 1 : 0;
  return nonce;
}

/** The header's bytes of an envelope (a Blob or bytes), before its first 0x0A. */
export function readHeader(envelope) {
  return readHeaderLine(source(envelope));
}

/** K_l, unwrapped from the listing stanza with the rebuilt listing key d (a P256Key). */
export function unwrapListingKey(header, listingKey) {
  return unwrapStanza(header.listingStanza, listingKey, {role: "listing", aad: header.bind, code: "UNWRAP_LISTING"});
}

/** K_b, unwrapped from the bidder stanza with the bidder's own key (§7 step 2). */
export function unwrapBidderKey(header, bidderKey) {
  if (!header.bidderStanza) throw new SealError("UNWRAP_BIDDER", "a listing-only envelope has no bidder stanza");
  return unwrapStanza(header.bidderStanza, bidderKey, {role: "bidder", aad: header.bind, code: "UNWRAP_BIDDER"});
}

/**
 * Check kc, the payload's length, every chunk and pc, handing the body to `sink` piece by
 * piece; the payload starts at `offset` of `input` (source.js). The sink sees plaintext
 * before pc is checked: discard what it got when this throws.
 */
async function decryptPayload(header, input, offset, {kL, kB, sink}) {
  const keyBytes = await payloadKey(header.core(), kL, kB);
  const kc = await keyCommitment(keyBytes);
  const key = await aead.aesKey(keyBytes);
  keyBytes.fill(0);
  if (!bytesEqual(kc, header.kc)) throw new SealError("KEY_COMMIT", "kc does not match K");
  if (input.size - offset !== payloadLength(header.size)) {
    throw new SealError("LENGTH", `the payload is not ${payloadLength(header.size)} bytes`);
  }
  const count = chunkCount(header.size);
  const plainHashes = [];
  let left = header.size + R_SIZE;
  for (let index = 0; index < count; index++) {
    const length = Math.min(CHUNK, left) + TAG_SIZE;
    const plain = await aead.open(key, chunkNonce(index, count), await input.read(offset, offset + length));
    if (plain === null) throw new SealError("CHUNK", "tag fails", index);
    offset += length;
    left -= plain.length;
    plainHashes.push(await sha256(plain));
    await sink(index ? plain : plain.subarray(R_SIZE)); // r leads P_0 and is not body
  }
  if (!bytesEqual(await chunkDigest(PT, plainHashes), header.pc)) {
    throw new SealError("PLAINTEXT_COMMIT", "pc does not match the plaintext");
  }
}

function secretsOf(secrets) {
  if (secrets === undefined) return {kL: randomBytes(32), kB: randomBytes(32), r: randomBytes(32), fresh: true};
  for (const name of ["kL", "kB", "r"]) {
    if (!(secrets[name] instanceof Uint8Array) || secrets[name].length !== 32) {
      throw new TypeError(`secrets.${name} is 32 bytes`);
    }
  }
  return {...secrets, fresh: false};
}

/**
 * Seal `body` (a Blob or bytes; a form: padForm's bytes) for the listing key `listingPk` and
 * lock it to `bidderKey` (a P256Key, which also signs the header). Self-checked (§6 step 3):
 * on any error, upload nothing.
 *
 * `listingFingerprint`: the notice's fp of the listing key, else WRONG_RECIPIENT.
 * `secrets` ({kL, kB, r, eListing, eBidder}, 32 bytes each, e* scalars) fixes the randomness
 * of §3 for vectors and tests only.
 * Returns {envelope (Blob), header, headerSig, headerSha256, payloadHash, envelopeSize}.
 */
export async function sealEnvelope(body, {listing, bidder, bidId, kind, listingPk, bidderKey,
  listingFingerprint, bidderLock = true, secrets, onProgress = () => {}} = {}) {
  if (listingFingerprint !== undefined && await fingerprint(listingPk) !== listingFingerprint) {
    throw new SealError("WRONG_RECIPIENT", "the listing key is not the notice's");
  }
  try {
    await p256.publicKey(listingPk);
  } catch (e) {
    if (e instanceof FormatError) throw new SealError("WRONG_RECIPIENT", e.message);
    throw e;
  }
  if (!(bidderKey instanceof p256.P256Key)) throw new TypeError("bidderKey is a P256Key");
  [listing, bidder, bidId] = [listing, bidder, bidId].map((id) => {
    if (typeof id !== "string" || !id) throw new TypeError("listing, bidder and bidId are non-empty strings");
    return normalize(id);
  });
  if (!KINDS.includes(kind)) throw new TypeError("kind is form or docs");
  const input = source(body);
  const size = input.size;
  if (kind === "form") {
    try {
      checkFormSize(size);
    } catch (e) {
      throw new SealError("FORM_INVALID", e.message);
    }
  }
  const {kL, kB, r, eListing, eBidder, fresh} = secretsOf(secrets);
  try {
    const bind = bindAad({listing, bidder, bidId, kind});
    const listingMade = await makeStanza(kL, listingPk, {role: "listing", aad: bind, ephemeralSk: eListing});
    const bidderMade = bidderLock
      ? await makeStanza(kB, bidderKey.pk, {role: "bidder", aad: bind, ephemeralSk: eBidder}) : null;
    const core = coreObject({listing, bidder, bidId, kind, size, listingStanza: listingMade.stanza,
      bidderStanza: bidderMade ? bidderMade.stanza : null});
    const keyBytes = await payloadKey(core, kL, bidderLock ? kB : EMPTY);
    const kc = await keyCommitment(keyBytes);
    const key = await aead.aesKey(keyBytes);
    keyBytes.fill(0);
    const count = chunkCount(size);
    const parts = [];
    const plainHashes = [];
    const sealedHashes = [];
    for (let index = 0, offset = 0; index < count; index++) {
      const take = Math.min(CHUNK - (index ? 0 : R_SIZE), size - offset);
      const piece = await input.read(offset, offset + take);
      offset += take;
      const plain = index ? piece : concat(r, piece);
      const [plainHash, sealed] = await Promise.all([sha256(plain), aead.seal(key, chunkNonce(index, count), plain)]);
      plainHashes.push(plainHash);
      sealedHashes.push(await sha256(sealed));
      parts.push(new Blob([sealed])); // a Blob per chunk lets the browser page a large payload out
      onProgress("seal", index + 1, count);
    }
    onProgress("check", 0, 1);
    const raw = dumps({...core, kc: toHex(kc), pc: toHex(await chunkDigest(PT, plainHashes))});
    const headerSig = await bidderKey.sign(concat(HEADER_SIG, raw));
    const envelope = new Blob([raw, new Uint8Array([10]), ...parts]);
    const header = await selfCheck(envelope, {listingEphemeral: listingMade.ephemeral, bidderKey, bidderLock, headerSig});
    onProgress("check", 1, 1);
    return {envelope, header, headerSig, headerSha256: await header.sha256(),
      payloadHash: toHex(await chunkDigest(CT, sealedHashes)), envelopeSize: envelope.size};
  } finally {
    if (fresh) [kL, kB, r].forEach((secret) => secret.fill(0));
  }
}

/** §6 step 3: reopen what was written, as the opening will, before anything is uploaded. */
async function selfCheck(envelope, {listingEphemeral, bidderKey, bidderLock, headerSig}) {
  const input = source(envelope);
  const raw = await readHeaderLine(input);
  const header = await parseHeader(raw);
  const kB = bidderLock ? await unwrapBidderKey(header, bidderKey) : EMPTY;
  // The sealer never holds d: it reopens the listing stanza from its kept ephemeral key.
  const kL = await unwrapWithEphemeral(header.listingStanza, listingEphemeral,
    {role: "listing", aad: header.bind, code: "UNWRAP_LISTING"});
  const pieces = [];
  await decryptPayload(header, input, raw.length + 1,
    {kL, kB, sink: (piece) => header.kind === "form" && pieces.push(piece)});
  [kL, kB].forEach((secret) => secret.fill(0));
  if (header.kind === "form") unpadForm(concat(...pieces));
  // The platform refuses an envelope whose header_sig fails (§6): find out here.
  if (!(await p256.verify(bidderKey.pk, concat(HEADER_SIG, raw), headerSig))) {
    throw new SealError("HEADER_INVALID", "header_sig does not verify");
  }
  return header;
}

/**
 * Open an envelope (a Blob or bytes) with the listing key d (`listingKey`, a P256Key) or
 * `kL`, and the bidder's key (`bidderKey`) or `kB`, or neither for a listing-only envelope.
 * Returns {header, form, body}: a form's object and its unpadded CJ bytes, or for docs
 * form null and the body as a Blob. On SealError nothing is returned.
 */
export async function openEnvelope(envelope, {listingKey, kL, bidderKey, kB} = {}) {
  if ((listingKey === undefined) === (kL === undefined)) throw new TypeError("give exactly one of listingKey and kL");
  if (bidderKey !== undefined && kB !== undefined) throw new TypeError("give at most one of bidderKey and kB");
  const input = source(envelope);
  const raw = await readHeaderLine(input);
  const header = await parseHeader(raw);
  if (listingKey !== undefined) kL = await unwrapListingKey(header, listingKey);
  if (bidderKey !== undefined) {
    kB = await unwrapBidderKey(header, bidderKey);
  } else if (kB === undefined) {
    if (header.bidderStanza) throw new SealError("NO_BIDDER_KEY", "the envelope is bidder-locked");
    kB = EMPTY;
  }
  const pieces = [];
  await decryptPayload(header, input, raw.length + 1, {kL, kB,
    sink: (piece) => pieces.push(header.kind === "docs" ? new Blob([piece]) : piece)});
  if (header.kind === "docs") return {header, form: null, body: new Blob(pieces)};
  const {encoded, form} = unpadForm(concat(...pieces));
  return {header, form, body: encoded};
}
