// Stanzas (seal.md §5): a 32-byte value wrapped to one P-256 key, bound to a role and an aad.

import * as aead from "./aead.js";
import {FormatError, SealError} from "./errors.js";
import {exactKeys} from "./fields.js";
import {bytesEqual, concat, fromHex, toHex, utf8} from "./hex.js";
import {hkdf} from "./kdf.js";
import {ROLES, WRAP} from "./labels.js";
import * as p256 from "./p256.js";

const ZERO_NONCE = new Uint8Array(12); // w is fresh per stanza (fresh e), so one fixed nonce is safe
const FIELDS = ["epk", "pk", "wk"];

/** {pk, epk, wk} as bytes from its JSON (hex), both points on the curve; else FormatError. */
export async function parseStanza(value, what = "stanza") {
  exactKeys(value, FIELDS, what);
  const stanza = {
    pk: fromHex(value.pk, 65, `${what}.pk`),
    epk: fromHex(value.epk, 65, `${what}.epk`),
    wk: fromHex(value.wk, 48, `${what}.wk`),
  };
  await p256.publicKey(stanza.pk);
  await p256.publicKey(stanza.epk);
  return stanza;
}

export function stanzaJson(stanza) {
  return {pk: toHex(stanza.pk), epk: toHex(stanza.epk), wk: toHex(stanza.wk)};
}

/** w = HKDF(ikm = Z, salt = E ‖ R, info = "sunbid-seal/1 wrap:" ‖ role). */
export function wrapKey(z, epk, pk, role) {
  if (!ROLES.includes(role)) throw new TypeError(`unknown role ${role}`);
  return hkdf(z, concat(epk, pk), concat(WRAP, utf8(role)));
}

/**
 * stanza(F, R, role, aad): {stanza, ephemeral}; `ephemeral` ({privateKey, pk}) is kept only by
 * the sealer's self-check. `ephemeralSk` fixes e (vectors and tests only), else it is fresh.
 */
export async function makeStanza(value, recipientPk, {role, aad, ephemeralSk} = {}) {
  if (!(value instanceof Uint8Array) || value.length !== 32) throw new TypeError("a stanza wraps a 32-byte value");
  await p256.publicKey(recipientPk);
  const ephemeral = await p256.ephemeral(ephemeralSk);
  const w = await wrapKey(await p256.ecdh(ephemeral.privateKey, recipientPk), ephemeral.pk, recipientPk, role);
  const wk = await aead.seal(w, ZERO_NONCE, value, aad);
  w.fill(0);
  return {stanza: {pk: recipientPk, epk: ephemeral.pk, wk}, ephemeral};
}

async function unwrapWith(stanza, z, role, aad, code) {
  const w = await wrapKey(z, stanza.epk, stanza.pk, role);
  const value = await aead.open(w, ZERO_NONCE, stanza.wk, aad);
  w.fill(0);
  if (value === null) throw new SealError(code, "the stanza does not open (wrong key, role or aad)");
  return value;
}

async function parsed(stanza, code) {
  if (stanza.wk instanceof Uint8Array) return stanza;
  try {
    return await parseStanza(stanza);
  } catch (e) {
    if (e instanceof FormatError) throw new SealError(code, e.message);
    throw e;
  }
}

/** The wrapped value for the recipient `key` (a P256Key), or SealError(`code`): each caller names its failure (§7). */
export async function unwrapStanza(stanza, key, {role, aad, code}) {
  stanza = await parsed(stanza, code);
  if (!bytesEqual(key.pk, stanza.pk)) throw new SealError(code, "the stanza is wrapped to another key");
  return unwrapWith(stanza, await key.ecdh(stanza.epk), role, aad, code);
}

/** The sealer's self-check (§6 step 3): reopen a stanza from its kept ephemeral key. */
export async function unwrapWithEphemeral(stanza, ephemeral, {role, aad, code}) {
  stanza = await parsed(stanza, code);
  if (!bytesEqual(ephemeral.pk, stanza.epk)) throw new SealError(code, "the stanza was not made with this ephemeral key");
  return unwrapWith(stanza, await p256.ecdh(ephemeral.privateKey, stanza.pk), role, aad, code);
}
