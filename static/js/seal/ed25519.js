// Strict Ed25519 (chain.md §2, as seal.md §2 requires for receipts): WebCrypto checks the
// cofactorless equation; the encodings it may forgive are checked here first, in BigInt
// arithmetic on public data only: A canonical and of prime order L, R canonical, S < L.

import {concat, fromBase64Url} from "./hex.js";

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const MASK = 2n ** 255n - 1n;
const subtle = crypto.subtle;
// PKCS#8 around a bare 32-byte seed (RFC 8410), so the browser derives the public key.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

function mod(a) {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function power(base, exponent) {
  let result = 1n;
  base = mod(base);
  while (exponent > 0n) {
    if (exponent & 1n) result = (result * base) % P;
    base = (base * base) % P;
    exponent >>= 1n;
  }
  return result;
}

const D = mod(-121665n * power(121666n, P - 2n));
const SQRT_M1 = power(2n, (P - 1n) / 4n);

function littleEndian(bytes) {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** RFC 8032 §5.1.3 decoding to extended coordinates, or null for a non-canonical encoding. */
function decodePoint(bytes) {
  const value = littleEndian(bytes);
  const y = value & MASK;
  const sign = value >> 255n;
  if (y >= P) return null;
  const y2 = (y * y) % P;
  const x2 = mod((y2 - 1n) * power(D * y2 + 1n, P - 2n));
  let x = power(x2, (P + 3n) / 8n);
  if (mod(x * x - x2) !== 0n) x = (x * SQRT_M1) % P;
  if (mod(x * x - x2) !== 0n) return null;
  if (x === 0n && sign === 1n) return null;
  if ((x & 1n) !== sign) x = P - x;
  return [x, y, 1n, (x * y) % P];
}

function add([x1, y1, z1, t1], [x2, y2, z2, t2]) {
  const a = mod((y1 - x1) * (y2 - x2));
  const b = mod((y1 + x1) * (y2 + x2));
  const c = mod(2n * D * t1 * t2);
  const d = mod(2n * z1 * z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function isIdentity([x, y, z]) {
  return x === 0n && mod(y - z) === 0n;
}

function multiply(scalar, point) {
  let result = [0n, 1n, 1n, 0n];
  for (let addend = point; scalar > 0n; scalar >>= 1n, addend = add(addend, addend)) {
    if (scalar & 1n) result = add(result, addend);
  }
  return result;
}

const checkedKeys = new Map(); // one platform key checks many receipts

/** A canonical encoding of a point of prime order L. */
export function publicKeyOk(pk) {
  if (!(pk instanceof Uint8Array) || pk.length !== 32) return false;
  const id = pk.join(",");
  if (!checkedKeys.has(id)) {
    const point = decodePoint(pk);
    checkedKeys.set(id, point !== null && !isIdentity(point) && isIdentity(multiply(L, point)));
  }
  return checkedKeys.get(id);
}

function rCanonical(r) {
  // x = 0 exactly when y = 1 or y = p − 1; then the sign bit must be clear.
  const value = littleEndian(r);
  const y = value & MASK;
  return y < P && !((value >> 255n) === 1n && (y === 1n || y === P - 1n));
}

/** Every strictness check of chain.md §2 but the equation itself, which WebCrypto checks. */
export function strictEncodings(pk, signature) {
  return signature instanceof Uint8Array && signature.length === 64 && publicKeyOk(pk)
    && rCanonical(signature.subarray(0, 32)) && littleEndian(signature.subarray(32)) < L;
}

/** chain.md §2 "Strict Ed25519": cofactorless RFC 8032 with canonical A, R and S < L. */
export async function verifyStrict(pk, signature, message) {
  if (!strictEncodings(pk, signature)) return false;
  const key = await subtle.importKey("raw", pk, {name: "Ed25519"}, false, ["verify"]);
  return subtle.verify({name: "Ed25519"}, key, signature, message);
}

/** The 32-byte public key of a 32-byte seed (a cosigner's key file). */
export async function publicOfSeed(seed) {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new TypeError("an Ed25519 seed is 32 bytes");
  const key = await subtle.importKey("pkcs8", concat(PKCS8_PREFIX, seed), {name: "Ed25519"}, true, ["sign"]);
  const jwk = await subtle.exportKey("jwk", key);
  return fromBase64Url(jwk.x);
}
