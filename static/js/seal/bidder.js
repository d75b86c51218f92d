// The bidder's K_b window (seal.md §7 step 2), run in the bidder's own browser.

import {unwrapBidderKey} from "./envelope.js";
import {FormatError, SealError} from "./errors.js";
import {toHex} from "./hex.js";
import {verifyReceipt} from "./receipt.js";
import {kbToOpening, makeSubmission} from "./requests.js";

/**
 * The latest seal receipt of this listing, bid and kind, if it names this header and no
 * later withdrawal follows it; else NOT_OF_RECORD. The receipts are already verified.
 */
export async function receiptOfRecord(header, receipts, listing) {
  if (header.listing !== listing) throw new SealError("NOT_OF_RECORD", "the envelope is another listing's");
  const ofBid = (receipt) => receipt.listing === listing && receipt.bidder === header.bidder
    && receipt.bid_id === header.bidId;
  const seals = receipts.filter((receipt) => receipt.type === "seal" && ofBid(receipt) && receipt.kind === header.kind);
  if (!seals.length) throw new SealError("NOT_OF_RECORD", "no seal receipt for this bid and kind");
  const latest = seals.reduce((a, b) => (b.audit_seq > a.audit_seq ? b : a));
  if (latest.header_sha256 !== await header.sha256()) {
    throw new SealError("NOT_OF_RECORD", "the latest receipt names another envelope");
  }
  if (receipts.some((receipt) => receipt.type === "withdraw" && ofBid(receipt) && receipt.audit_seq > latest.audit_seq)) {
    throw new SealError("NOT_OF_RECORD", "the bid was withdrawn");
  }
  return latest;
}

/**
 * `unwrap` (§11) in the browser: verify the bidder's own receipts (RECEIPT_INVALID), require
 * the header of record (NOT_OF_RECORD), unwrap K_b (UNWRAP_BIDDER) and sign S.
 * Returns {k_b: hex, submission}, or with `openingPk` {stanza, submission}.
 */
export async function unwrapForOpening({header, receipts, listing, platformPk, keyName, bidderKey, openingPk}) {
  const verified = [];
  for (const receipt of receipts) verified.push(await verifyReceipt(receipt, {platformPk, keyName}));
  await receiptOfRecord(header, verified, listing);
  const kB = await unwrapBidderKey(header, bidderKey);
  const submission = await makeSubmission({header, kB, bidderKey});
  if (openingPk === undefined) return {k_b: toHex(kB), submission};
  try {
    return {stanza: await kbToOpening({kB, submission, openingPk}), submission};
  } catch (e) {
    if (e instanceof FormatError) throw new SealError("WRONG_RECIPIENT", `the opening key: ${e.message}`);
    throw e;
  } finally {
    kB.fill(0);
  }
}
