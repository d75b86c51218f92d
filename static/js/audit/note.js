// Checkpoint notes and proofs of chain.md §4–§5 in the browser: parse a signed note, check
// the platform's signature, verify an RFC 9162 consistency proof, and cosign (C2SP
// tlog-cosignature, Ed25519) with a seed from a cosigner key file. WebCrypto only.

import {verifyStrict} from "../seal/ed25519.js";
import {concat, fromHex, toHex, utf8} from "../seal/hex.js";

const subtle = crypto.subtle;
const EM_DASH = "\u2014";
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

export class NoteError extends Error {}

export function fromBase64(text) {
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

export function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

async function sha256(data) {
  return new Uint8Array(await subtle.digest("SHA-256", data));
}

/** {text, origin, size, root, link, signatures: [{name, blob}]} of a signed checkpoint note. */
export function parseNote(note) {
  const cut = note.lastIndexOf("\n\n");
  if (cut < 0 || !note.endsWith("\n")) throw new NoteError("not a signed note");
  const text = note.slice(0, cut + 1);
  const lines = text.split("\n");
  if (lines.length !== 5 || lines[4] !== "" || !/^(0|[1-9][0-9]{0,18})$/.test(lines[1])) {
    throw new NoteError("a checkpoint is four lines: origin, size, root, link");
  }
  const signatures = note.slice(cut + 2, -1).split("\n").map((line) => {
    const parts = line.split(" ");
    if (parts.length !== 3 || parts[0] !== EM_DASH) throw new NoteError(`bad signature line ${line}`);
    return {name: parts[1], blob: fromBase64(parts[2])};
  });
  const root = fromBase64(lines[2]);
  const link = fromBase64(lines[3]);
  if (root.length !== 32 || link.length !== 32) throw new NoteError("root and link are 32 bytes");
  return {text, origin: lines[0], size: Number(lines[1]), root, link, signatures};
}

/** SHA-256(name ‖ "\n" ‖ type ‖ pk)[0:4]: 0x01 a note signature, 0x04 a cosignature. */
export async function keyId(name, pk, type) {
  return (await sha256(concat(utf8(name), Uint8Array.of(0x0a, type), pk))).slice(0, 4);
}

export async function platformSigned(note, pkHex) {
  const pk = fromHex(pkHex, 32, "platform key");
  const kid = toHex(await keyId(note.origin, pk, 0x01));
  for (const {name, blob} of note.signatures) {
    if (name === note.origin && blob.length === 68 && toHex(blob.slice(0, 4)) === kid
        && await verifyStrict(pk, blob.slice(4), utf8(note.text))) return true;
  }
  return false;
}

async function node(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** RFC 9162 §2.1.4.2, with chain.md's trivial cases (equal sizes, an empty old tree). */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (!(0 <= oldSize && oldSize <= newSize)) return false;
  if (oldSize === newSize) return proof.length === 0 && same(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = [...proof];
  if ((oldSize & (oldSize - 1)) === 0) path.unshift(oldRoot);
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn & 1) { fn >>= 1; sn >>= 1; }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      fr = await node(c, fr);
      sr = await node(c, sr);
      while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      sr = await node(sr, c);
    }
    fn >>= 1; sn >>= 1;
  }
  return sn === 0 && same(fr, oldRoot) && same(sr, newRoot);
}

/** The line "— name base64(kid ‖ u64be(t) ‖ Ed25519(seed, "cosignature/v1\ntime t\n" ‖ text))". */
export async function cosignLine(note, name, seed, pk, t) {
  const key = await subtle.importKey("pkcs8", concat(PKCS8_PREFIX, seed), {name: "Ed25519"}, false, ["sign"]);
  const message = utf8(`cosignature/v1\ntime ${t}\n${note.text}`);
  const signature = new Uint8Array(await subtle.sign({name: "Ed25519"}, key, message));
  const time = new Uint8Array(8);
  new DataView(time.buffer).setBigUint64(0, BigInt(t));
  return `${EM_DASH} ${name} ${toBase64(concat(await keyId(name, pk, 0x04), time, signature))}`;
}
