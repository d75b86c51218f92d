// AES-256-GCM (seal.md §2): 12-byte nonce, 16-byte tag appended, as WebCrypto has it.

const subtle = crypto.subtle;

/** A 32-byte key as a non-extractable AES-GCM CryptoKey, to reuse for many chunks. */
export function aesKey(key) {
  if (key.length !== 32) throw new TypeError("an AES-256 key is 32 bytes");
  return subtle.importKey("raw", key, "AES-GCM", false, ["encrypt", "decrypt"]);
}

function params(nonce, aad) {
  // An empty aad is the same as none (GCM); leave it out rather than pass zero bytes.
  return aad && aad.length ? {name: "AES-GCM", iv: nonce, additionalData: aad} : {name: "AES-GCM", iv: nonce};
}

export async function seal(key, nonce, plaintext, aad) {
  const cryptoKey = key instanceof CryptoKey ? key : await aesKey(key);
  return new Uint8Array(await subtle.encrypt(params(nonce, aad), cryptoKey, plaintext));
}

/** The plaintext, or null when the tag fails (wrong key, nonce, aad or bytes). */
export async function open(key, nonce, sealed, aad) {
  const cryptoKey = key instanceof CryptoKey ? key : await aesKey(key);
  try {
    return new Uint8Array(await subtle.decrypt(params(nonce, aad), cryptoKey, sealed));
  } catch (e) {
    if (e.name === "OperationError") return null;
    throw e;
  }
}
