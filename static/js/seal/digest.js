// Hashes of seal.md §2: SHA-256, HMAC-SHA256, fingerprints and the chunk digest D.

import {concat, toHex} from "./hex.js";

const subtle = crypto.subtle;

export async function sha256(data) {
  return new Uint8Array(await subtle.digest("SHA-256", data));
}

export async function sha256Hex(data) {
  return toHex(await sha256(data));
}

export async function hmacSha256(key, data) {
  const hmacKey = await subtle.importKey("raw", key, {name: "HMAC", hash: "SHA-256"}, false, ["sign"]);
  return new Uint8Array(await subtle.sign("HMAC", hmacKey, data));
}

/** fp(key): hex SHA-256 of a public key's bytes (65 for P-256, 32 for Ed25519). */
export function fingerprint(pk) {
  return sha256Hex(pk);
}

/** D(prefix, [x_0 … x_{n−1}]) from the chunks' own SHA-256 values, in order. */
export function chunkDigest(prefix, chunkHashes) {
  return sha256(concat(prefix, ...chunkHashes));
}
