// Byte helpers shared by the seal modules: hex (seal.md §2: lowercase in JSON), UTF-8,
// concatenation and comparison. Bytes are always Uint8Array.

import {FormatError} from "./errors.js";

const HEX = /^(?:[0-9a-f]{2})*$/;
const strictUtf8 = new TextDecoder("utf-8", {fatal: true, ignoreBOM: true});
const utf8Encoder = new TextEncoder();

export function toHex(bytes) {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Lowercase hex of exactly `size` bytes (any size if omitted), else FormatError naming `what`. */
export function fromHex(text, size, what = "value") {
  if (typeof text !== "string" || !HEX.test(text) || (size !== undefined && text.length !== 2 * size)) {
    throw new FormatError(`${what} is not ${size === undefined ? "" : size + " bytes of "}lowercase hex`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

/** Any BufferSource as a Uint8Array view (no copy). */
export function asBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("expected bytes (Uint8Array, ArrayBuffer or a view)");
}

export function fromBase64Url(text) {
  return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0));
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function utf8(text) {
  return utf8Encoder.encode(text);
}

/** Strict UTF-8: a malformed sequence throws FormatError; a byte order mark is kept, not eaten. */
export function fromUtf8(bytes) {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new FormatError("not UTF-8");
  }
}

/** Equal bytes, comparing every byte whatever the first difference (for kc, pc and hashes). */
export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function randomBytes(size) {
  return crypto.getRandomValues(new Uint8Array(size));
}
