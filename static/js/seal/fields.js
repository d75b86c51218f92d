// Strict readers for the JSON fields the spec defines; each throws FormatError naming the
// field, and callers turn it into their own §7 code with `failingAs` (errors.js).

import {loads} from "./cj.js";
import {FormatError} from "./errors.js";
import {fromHex} from "./hex.js";

const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;

/** A CJ object from bytes that must already be canonical (or an object given as is). */
export function loadObject(data, what) {
  const value = data instanceof Uint8Array ? loads(data) : data;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new FormatError(`${what} is not a JSON object`);
  }
  return value;
}

export function exactKeys(value, fields, what) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new FormatError(`${what} is not an object`);
  }
  const keys = Object.keys(value).sort();
  const wanted = [...fields].sort();
  if (keys.length !== wanted.length || keys.some((key, i) => key !== wanted[i])) {
    throw new FormatError(`${what} has fields ${keys.join(",")}, not ${wanted.join(",")}`);
  }
  return value;
}

export function text(value, what) {
  if (typeof value !== "string" || !value) throw new FormatError(`${what} is not a non-empty string`);
  return value;
}

export function integer(value, minimum, what) {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new FormatError(`${what} is not an integer ≥ ${minimum}`);
  }
  return value;
}

/** A non-empty, sorted list of distinct hex SHA-256 values (W's and receipts' headers). */
export function sortedHashes(value, what) {
  if (!Array.isArray(value) || !value.length) throw new FormatError(`${what} is not a non-empty list`);
  value.forEach((item, i) => {
    fromHex(item, 32, `${what}[]`);
    // Lowercase hex of one length: string order is byte order.
    if (i && !(value[i - 1] < item)) throw new FormatError(`${what} are not sorted and distinct`);
  });
  return value;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, a real UTC instant (§2). */
export function timestamp(value, what) {
  const match = typeof value === "string" ? TIME.exec(value) : null;
  if (match) {
    const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
    const moment = new Date(0);
    moment.setUTCFullYear(year, month - 1, day); // Date.UTC would read year 50 as 1950
    // A date that does not exist (02-30) rolls over, so a real one comes back unchanged.
    if (year >= 1 && moment.getUTCFullYear() === year && moment.getUTCMonth() === month - 1
        && moment.getUTCDate() === day && hour < 24 && minute < 60 && second < 60) return value;
  }
  throw new FormatError(`${what} is not YYYY-MM-DDTHH:MM:SS.ffffffZ`);
}
