// The one failure type of the seal modules, carrying a code of seal.md §7 (as the Python
// package's SealError), and FormatError for malformed input that a caller turns into its
// own code, as the Python package does with ValueError and `failing_as`.

export const CODES = Object.freeze([
  "RECEIPT_INVALID", "NOT_OF_RECORD", "RECEIPT_MISMATCH", "HEADER_INVALID", "WRONG_RECIPIENT",
  "KB_SIGNATURE", "KEY_FILE", "NO_BIDDER_KEY", "UNWRAP_BIDDER", "SHARE_COMMIT",
  "SHARE_DUPLICATE", "LISTING_KEY", "UNWRAP_LISTING", "KEY_COMMIT", "LENGTH", "CHUNK",
  "PLAINTEXT_COMMIT", "FORM_INVALID", "OPENING_ORDER",
  // Refusals the spec requires without a §7 code: a withdrawal request (§6), a weak passphrase (§9).
  "WITHDRAWAL_INVALID", "PASSPHRASE_WEAK",
]);

export class SealError extends Error {
  /** `code` from CODES; `chunk` is the failing chunk index, for CHUNK only. */
  constructor(code, detail = "", chunk = null) {
    if (!CODES.includes(code)) throw new TypeError(`unknown seal code ${code}`);
    if ((chunk !== null) !== (code === "CHUNK")) throw new TypeError("a chunk index goes with CHUNK only");
    super(detail ? `${code}: ${detail}` : code);
    this.name = "SealError";
    this.code = code;
    this.detail = detail;
    this.chunk = chunk;
  }
}

/** Bytes or a value break a rule of the format; the message names it. */
export class FormatError extends Error {
  constructor(message) {
    super(message);
    this.name = "FormatError";
  }
}

/** Run `fn` (sync or async) and report any FormatError it throws as SealError `code`. */
export async function failingAs(code, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof FormatError) throw new SealError(code, e.message);
    throw e;
  }
}
