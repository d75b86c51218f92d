// Canonical JSON (CJ), exactly as canonical-json.md defines it: `dumps` writes the one
// encoding of a value, `loads` reads only bytes that already are that encoding.
//
// The engine's own Unicode tables are newer than the spec's Unicode 14.0, so "unassigned"
// comes from a table generated with Python 3.11 (unassigned.js), never from \p{Cn}.

import {FormatError} from "./errors.js";
import {bytesEqual, fromUtf8, utf8} from "./hex.js";
import {UNASSIGNED} from "./unassigned.js";

export const MAX_INT = Number.MAX_SAFE_INTEGER; // 2^53 − 1
export const MAX_DEPTH = 16;
export const MAX_STRING_BYTES = 65536;

export class CanonicalJSONError extends FormatError {
  constructor(message) {
    super(message);
    this.name = "CanonicalJSONError";
  }
}

const ASCII = /^[\x00-\x7f]*$/;
const LONE_SURROGATE = /[\ud800-\udfff]/u; // with the u flag a pair is one code point, never matched

/** Whether a code point is Cn in Unicode 14.0 (binary search over [start, end] pairs). */
function isUnassigned(codePoint) {
  let low = 0;
  let high = UNASSIGNED.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (codePoint < UNASSIGNED[2 * middle]) high = middle - 1;
    else if (codePoint > UNASSIGNED[2 * middle + 1]) low = middle + 1;
    else return true;
  }
  return false;
}

function utf8Length(s) {
  let size = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    size += unit < 0x80 ? 1 : unit < 0x800 ? 2 : unit >= 0xd800 && unit <= 0xdfff ? 2 : 3;
  }
  return size;
}

function checkAssigned(s) {
  if (LONE_SURROGATE.test(s)) throw new CanonicalJSONError("string holds a lone surrogate");
  if (ASCII.test(s)) return;
  for (const ch of s) {
    const codePoint = ch.codePointAt(0);
    if (codePoint >= 0x80 && isUnassigned(codePoint)) {
      const hex = codePoint.toString(16).toUpperCase().padStart(4, "0");
      throw new CanonicalJSONError(`code point U+${hex} is unassigned in Unicode 14.0`);
    }
  }
}

/** NFC as Unicode 14.0 has it: the engine's newer NFC agrees on assigned code points only. */
function nfc(s) {
  checkAssigned(s);
  return s.normalize("NFC");
}

function checkString(s) {
  checkAssigned(s);
  const size = utf8Length(s);
  if (size > MAX_STRING_BYTES) {
    throw new CanonicalJSONError(`string of ${size} bytes is longer than ${MAX_STRING_BYTES}`);
  }
  if (!ASCII.test(s) && s.normalize("NFC") !== s) {
    throw new CanonicalJSONError("string is not NFC-normalised");
  }
}

function isPlainObject(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Rules 2, 4 and 6 on an already-normalised value; `level` is the depth of its container. */
function check(value, level = 0) {
  if (typeof value === "string") return checkString(value);
  if (value === null || value === true || value === false) return;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || Math.abs(value) > MAX_INT) {
      throw new CanonicalJSONError(`number ${value} is not an integer within ±(2^53−1)`);
    }
    return;
  }
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) {
    throw new CanonicalJSONError(`${Object.prototype.toString.call(value)} is not a canonical JSON value`);
  }
  if (level + 1 > MAX_DEPTH) throw new CanonicalJSONError(`nesting deeper than ${MAX_DEPTH}`);
  if (isArray) {
    for (const member of value) check(member, level + 1);
  } else {
    for (const key of Object.keys(value)) {
      checkString(key);
      check(value[key], level + 1);
    }
  }
}

/** Code point order (= UTF-8 byte order), not JavaScript's UTF-16 order (rule 3). */
function compareCodePoints(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    // Surrogates encode code points above U+FFFF: lift them above U+E000–U+FFFF.
    if (x !== y) return shift(x) - shift(y);
  }
  return a.length - b.length;
}

function shift(unit) {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

function defineMember(target, key, member) {
  // Never `target[key] =`: a key "__proto__" would set the prototype instead.
  Object.defineProperty(target, key, {value: member, enumerable: true, writable: true, configurable: true});
}

/** A copy of `value` with every string and key NFC-normalised (what writers store). */
export function normalize(value) {
  if (typeof value === "string") return nfc(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (isPlainObject(value)) {
    const out = {};
    for (const key of Object.keys(value)) {
      const normalKey = nfc(key);
      if (Object.prototype.hasOwnProperty.call(out, normalKey)) {
        throw new CanonicalJSONError(`keys collide after NFC: ${JSON.stringify(normalKey)}`);
      }
      defineMember(out, normalKey, normalize(value[key]));
    }
    return out;
  }
  return value;
}

function encode(value) {
  if (typeof value === "string") return JSON.stringify(value); // escapes exactly rule 5's set
  if (typeof value === "number") return String(value === 0 ? 0 : value); // no "-0"
  if (value === null || value === true || value === false) return String(value);
  if (Array.isArray(value)) return "[" + value.map(encode).join(",") + "]";
  const keys = Object.keys(value).sort(compareCodePoints);
  return "{" + keys.map((key) => JSON.stringify(key) + ":" + encode(value[key])).join(",") + "}";
}

/** The canonical bytes of `value`, after NFC-normalising its strings. */
export function dumps(value) {
  const normal = normalize(value);
  check(normal);
  return utf8(encode(normal));
}

/** Parse bytes that must already be canonical JSON; anything else throws CanonicalJSONError. */
export function loads(data) {
  let value;
  try {
    value = JSON.parse(fromUtf8(data));
  } catch (e) {
    throw new CanonicalJSONError(`not JSON: ${e.message}`);
  }
  check(value);
  // Re-encoding catches what parsing forgives: whitespace, order, duplicates, 1.0, -0, escapes.
  if (!bytesEqual(utf8(encode(value)), data)) {
    throw new CanonicalJSONError("bytes are not the canonical encoding of their value");
  }
  return value;
}
