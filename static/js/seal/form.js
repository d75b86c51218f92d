// The fixed-size form body (seal.md §4): CJ of the bid form, then 0x00 up to form_size.

import {CanonicalJSONError, dumps, loads} from "./cj.js";
import {SealError} from "./errors.js";
import {FORM_BLOCK} from "./labels.js";

export function checkFormSize(formSize) {
  if (!Number.isSafeInteger(formSize) || formSize <= 0 || formSize % FORM_BLOCK) {
    throw new RangeError(`form_size is a positive multiple of ${FORM_BLOCK}`);
  }
  return formSize;
}

/** The body of a form envelope; a form longer than form_size is not sealed (FORM_INVALID). */
export function padForm(form, formSize = FORM_BLOCK) {
  checkFormSize(formSize);
  if (form === null || typeof form !== "object" || Array.isArray(form)) {
    throw new SealError("FORM_INVALID", "the bid form is a JSON object");
  }
  let encoded;
  try {
    encoded = dumps(form);
  } catch (e) {
    if (e instanceof CanonicalJSONError) throw new SealError("FORM_INVALID", e.message);
    throw e;
  }
  if (encoded.length > formSize) {
    throw new SealError("FORM_INVALID", `the form is ${encoded.length} bytes, over ${formSize}`);
  }
  const body = new Uint8Array(formSize);
  body.set(encoded);
  return body;
}

/** {encoded, form}: the JSON ends at the first 0x00, and every later byte is 0x00. */
export function unpadForm(body) {
  const end = body.indexOf(0);
  const encoded = end < 0 ? body : body.subarray(0, end);
  if (end >= 0 && body.subarray(end).some((byte) => byte !== 0)) {
    throw new SealError("FORM_INVALID", "a non-zero byte follows the form's JSON");
  }
  let form;
  try {
    form = loads(encoded);
  } catch (e) {
    if (e instanceof CanonicalJSONError) throw new SealError("FORM_INVALID", e.message);
    throw e;
  }
  if (form === null || typeof form !== "object" || Array.isArray(form)) {
    throw new SealError("FORM_INVALID", "the form is not a JSON object");
  }
  return {encoded: encoded.slice(), form};
}
