// Key files (seal.md §9): a private key under a passphrase, PBKDF2-SHA256 600000 + AES-GCM.
// Every failure to read one is KEY_FILE: wrong passphrase, an edited field (all of them are
// the aad), another `iter`, or a key that is not the file's `pk`.

import * as aead from "./aead.js";
import {dumps, normalize} from "./cj.js";
import * as ed25519 from "./ed25519.js";
import {FormatError, SealError, failingAs} from "./errors.js";
import {exactKeys, loadObject, text} from "./fields.js";
import {bytesEqual, fromHex, randomBytes, toHex, utf8} from "./hex.js";
import {pbkdf2} from "./kdf.js";
import {KEY_VERSION} from "./labels.js";
import * as p256 from "./p256.js";
import {checkPassphrase} from "./passphrase.js";

export const ITERATIONS = 600000; // readers accept no other count: a weaker file is refused, not opened
const ROLES = ["bidder", "custodian", "cosigner"];
const FIELDS = ["v", "role", "owner", "pk", "kdf", "iter", "salt", "nonce", "ct"];

/** The public key of a P-256 scalar (bidder, custodian) or an Ed25519 seed (cosigner). */
function publicOf(role, privateKey) {
  return role === "cosigner" ? ed25519.publicOfSeed(privateKey) : p256.publicOf(privateKey);
}

/** kek = PBKDF2(NFC passphrase in UTF-8, salt, 600000). */
export function keyEncryptionKey(passphrase, salt) {
  if (/[\ud800-\udfff]/u.test(passphrase)) throw new TypeError("the passphrase holds a lone surrogate");
  return pbkdf2(utf8(passphrase.normalize("NFC")), salt, ITERATIONS);
}

/**
 * The key file's CJ bytes; a weak passphrase is refused (PASSPHRASE_WEAK).
 * `salt` (16 B) and `nonce` (12 B) are fixed only in vectors.
 */
export async function makeKeyFile({role, owner, privateKey, passphrase, salt = randomBytes(16), nonce = randomBytes(12)}) {
  passphrase = checkPassphrase(passphrase);
  if (typeof owner !== "string" || !owner) throw new TypeError("owner is a non-empty string");
  if (!ROLES.includes(role) || !(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw new TypeError("role is bidder, custodian or cosigner; the key is 32 bytes");
  }
  if (salt.length !== 16 || nonce.length !== 12) throw new TypeError("salt is 16 bytes, nonce 12");
  const unsealed = normalize({v: KEY_VERSION, role, owner, pk: toHex(await publicOf(role, privateKey)),
    kdf: "pbkdf2-sha256", iter: ITERATIONS, salt: toHex(salt), nonce: toHex(nonce)});
  const kek = await keyEncryptionKey(passphrase, salt);
  const ct = await aead.seal(kek, nonce, privateKey, dumps(unsealed));
  kek.fill(0);
  return dumps({...unsealed, ct: toHex(ct)});
}

/**
 * The private key of a key file (CJ bytes or an object), checked against its pk; any failure
 * is KEY_FILE. Returns {role, owner, pk, privateKey, key}: `key` is a P256Key (null for a cosigner).
 */
export async function readKeyFile(keyFile, passphrase, {role} = {}) {
  const file = await failingAs("KEY_FILE", () => {
    const value = exactKeys(loadObject(keyFile, "key file"), FIELDS, "key file");
    if (value.v !== KEY_VERSION || value.kdf !== "pbkdf2-sha256") throw new FormatError("not a sunbid-key/1 file with pbkdf2-sha256");
    if (value.iter !== ITERATIONS) throw new FormatError(`iter is not ${ITERATIONS}`);
    if (!ROLES.includes(value.role)) throw new FormatError("role is not bidder, custodian or cosigner");
    if (role !== undefined && value.role !== role) throw new FormatError(`a ${value.role} key file, not a ${role} one`);
    const unsealed = Object.fromEntries(Object.entries(value).filter(([name]) => name !== "ct"));
    return {role: value.role, owner: text(value.owner, "owner"),
      pk: fromHex(value.pk, value.role === "cosigner" ? 32 : 65, "pk"), salt: fromHex(value.salt, 16, "salt"),
      nonce: fromHex(value.nonce, 12, "nonce"), ct: fromHex(value.ct, 48, "ct"), aad: dumps(unsealed)};
  });
  const kek = await keyEncryptionKey(passphrase, file.salt);
  const privateKey = await aead.open(kek, file.nonce, file.ct, file.aad);
  kek.fill(0);
  if (privateKey === null) throw new SealError("KEY_FILE", "wrong passphrase, or the file was edited");
  const pk = await failingAs("KEY_FILE", () => publicOf(file.role, privateKey));
  if (!bytesEqual(pk, file.pk)) throw new SealError("KEY_FILE", "the key is not the file's pk");
  const key = file.role === "cosigner" ? null : await p256.P256Key.fromScalar(privateKey);
  return {role: file.role, owner: file.owner, pk: file.pk, privateKey, key};
}
