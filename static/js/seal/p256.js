// P-256 as seal.md §2 fixes it: 65-byte points 04‖X‖Y, 32-byte big-endian scalars,
// X-coordinate ECDH (deriveBits 256) and 64-byte r‖s ECDSA/SHA-256 (WebCrypto's own format).
//
// WebCrypto's ECDSA draws a random nonce, so its signatures differ from the RFC 6979 ones of
// the vectors and the Python package; both verify (seal-vectors.md).

import {FormatError} from "./errors.js";
import {concat, fromBase64Url, toHex} from "./hex.js";

export const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const subtle = crypto.subtle;
const ECDH = {name: "ECDH", namedCurve: "P-256"};
const ECDSA = {name: "ECDSA", namedCurve: "P-256"};
const ECDSA_SHA256 = {name: "ECDSA", hash: "SHA-256"};
// PKCS#8 around an RFC 5915 ECPrivateKey that leaves out the optional public key, so the
// browser computes d·G itself: WebCrypto has no other way to import a bare scalar.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
  0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01,
  0x01, 0x04, 0x20,
]);

function toBigInt(bytes) {
  return BigInt("0x" + (toHex(bytes) || "0"));
}

/** A 32-byte scalar in 1..n−1, else FormatError. */
export function checkScalar(sk) {
  const value = sk instanceof Uint8Array && sk.length === 32 ? toBigInt(sk) : 0n;
  if (!(value > 0n && value < ORDER)) {
    throw new FormatError("a P-256 private key is a 32-byte scalar in 1..n−1");
  }
}

function importScalar(sk, algorithm, usages, extractable = false) {
  checkScalar(sk);
  return subtle.importKey("pkcs8", concat(PKCS8_PREFIX, sk), algorithm, extractable, usages);
}

async function pointOf(cryptoKey) {
  return new Uint8Array(await subtle.exportKey("raw", cryptoKey));
}

/** d·G of a scalar, as 04‖X‖Y. */
export async function publicOf(sk) {
  const jwk = await subtle.exportKey("jwk", await importScalar(sk, ECDH, ["deriveBits"], true));
  return concat([4], fromBase64Url(jwk.x), fromBase64Url(jwk.y));
}

/** Parse 04‖X‖Y as a CryptoKey for ECDH (default) or ECDSA verification; off the curve is a FormatError. */
export async function publicKey(pk, {sign = false} = {}) {
  if (!(pk instanceof Uint8Array) || pk.length !== 65 || pk[0] !== 4) {
    throw new FormatError("a P-256 public key is 65 bytes 04‖X‖Y");
  }
  try {
    return await subtle.importKey("raw", pk, sign ? ECDSA : ECDH, false, sign ? ["verify"] : []);
  } catch (e) {
    if (e.name === "DataError") throw new FormatError("the public key is not a point of P-256");
    throw e;
  }
}

/** Z, the X coordinate of the shared point. */
export async function ecdh(privateKey, peerPk) {
  const peer = await publicKey(peerPk);
  return new Uint8Array(await subtle.deriveBits({name: "ECDH", public: peer}, privateKey, 256));
}

/** An ephemeral ECDH key: fresh, or (vectors and tests only) from a fixed scalar. */
export async function ephemeral(sk) {
  if (sk === undefined) {
    const pair = await subtle.generateKey(ECDH, false, ["deriveBits"]);
    return {privateKey: pair.privateKey, pk: await pointOf(pair.publicKey)};
  }
  return {privateKey: await importScalar(sk, ECDH, ["deriveBits"]), pk: await publicOf(sk)};
}

/** A fresh extractable pair {sk, pk}: what a key file stores (a bidder's or custodian's key). */
export async function newKeyPair() {
  const pair = await subtle.generateKey(ECDH, true, ["deriveBits"]);
  const jwk = await subtle.exportKey("jwk", pair.privateKey);
  return {sk: fromBase64Url(jwk.d), pk: await pointOf(pair.publicKey)};
}

/** A P-256 private key that does both ECDH and ECDSA (the bidder key), with its public point. */
export class P256Key {
  constructor(agreeKey, signKey, pk) {
    this.agreeKey = agreeKey;
    this.signKey = signKey;
    this.pk = pk;
  }

  static async fromScalar(sk) {
    const [agreeKey, signKey, pk] = await Promise.all([
      importScalar(sk, ECDH, ["deriveBits"]), importScalar(sk, ECDSA, ["sign"]), publicOf(sk)]);
    return new P256Key(agreeKey, signKey, pk);
  }

  ecdh(peerPk) {
    return ecdh(this.agreeKey, peerPk);
  }

  /** 64 bytes r‖s over `message` (SHA-256 inside). */
  async sign(message) {
    return new Uint8Array(await subtle.sign(ECDSA_SHA256, this.signKey, message));
  }
}

/** Whether `signature` (64 bytes r‖s) verifies; a malformed key or signature is simply invalid. */
export async function verify(pk, message, signature) {
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  const r = toBigInt(signature.subarray(0, 32));
  const s = toBigInt(signature.subarray(32));
  if (!(r > 0n && r < ORDER && s > 0n && s < ORDER)) return false;
  let key;
  try {
    key = await publicKey(pk, {sign: true});
  } catch (e) {
    if (e instanceof FormatError) return false;
    throw e;
  }
  return subtle.verify(ECDSA_SHA256, key, signature, message);
}

