// The key-file creator's passphrase policy (seal.md §9), as the Python package has it:
// refused under 12 characters, on the common-password list, or (the spec's SHOULD) under an
// estimated 60 bits. The estimate is deliberately crude: characters that repeat or continue
// a run (aaaa, abcd, 4321) count for nothing, the rest for log2 of the character classes used.

import {SealError} from "./errors.js";
import {CASEFOLD, COMMON_PASSWORDS, WHITESPACE} from "./passphrase-data.js";

export const MIN_LENGTH = 12;
export const MIN_BITS = 60;
// Pool sizes per class; any non-ASCII character (CJK, mostly) counts as one of thousands.
const OTHER_ASCII = 33;
const NON_ASCII = 3000;
const CLASSES = [[/[a-z]/, 26], [/[A-Z]/, 26], [/[0-9]/, 10], [/[\t-\r\x1c-\x20]/, 1]];

/** Case, width and spacing do not make a listed password new (Python's NFKC, casefold, split). */
function simplified(passphrase) {
  let out = "";
  for (const ch of passphrase.normalize("NFKC")) {
    const folded = CASEFOLD.get(ch.codePointAt(0)) ?? ch;
    for (const part of folded) if (!WHITESPACE.has(part.codePointAt(0))) out += part;
  }
  return out;
}

export function estimatedBits(passphrase) {
  const chars = [...passphrase];
  let pool = 0;
  for (const [pattern, size] of CLASSES) if (chars.some((ch) => pattern.test(ch))) pool += size;
  if (chars.some((ch) => /^[\x00-\x08\x0e-\x1b\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]$/.test(ch))) pool += OTHER_ASCII;
  if (chars.some((ch) => ch.codePointAt(0) > 0x7f)) pool += NON_ASCII;
  let counted = 0;
  chars.forEach((ch, i) => {
    const before = i ? chars[i - 1] : " ";
    if (Math.abs(ch.codePointAt(0) - before.codePointAt(0)) > 1) counted += 1;
  });
  return pool > 1 ? counted * Math.log2(pool) : 0;
}

/** The NFC passphrase, or SealError PASSPHRASE_WEAK saying why it is refused. */
export function checkPassphrase(passphrase) {
  if (typeof passphrase !== "string") throw new TypeError("the passphrase is a string");
  passphrase = passphrase.normalize("NFC");
  if ([...passphrase].length < MIN_LENGTH) throw new SealError("PASSPHRASE_WEAK", `under ${MIN_LENGTH} characters`);
  if (COMMON_PASSWORDS.has(simplified(passphrase))) throw new SealError("PASSPHRASE_WEAK", "on the common-password list");
  if (estimatedBits(passphrase) < MIN_BITS) throw new SealError("PASSPHRASE_WEAK", `estimated under ${MIN_BITS} bits`);
  return passphrase;
}
