// Key derivation (seal.md §2): HKDF-SHA256 with L = 32, PBKDF2-HMAC-SHA256 with a 32-byte output.

const subtle = crypto.subtle;

/** HKDF(ikm, salt, info), 32 bytes (RFC 5869). */
export async function hkdf(ikm, salt, info) {
  const key = await subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await subtle.deriveBits({name: "HKDF", hash: "SHA-256", salt, info}, key, 256));
}

/** PBKDF2(secret, salt, iterations), 32 bytes (RFC 8018). */
export async function pbkdf2(secret, salt, iterations) {
  const key = await subtle.importKey("raw", secret, "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await subtle.deriveBits({name: "PBKDF2", hash: "SHA-256", salt, iterations}, key, 256));
}
