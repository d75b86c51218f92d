// The bidder's signed requests (seal.md §6, §7): the K_b submission S and the withdrawal W,
// each sign_b(prefix, o) = ECDSA with the bidder key over prefix ‖ CJ(o), added as `sig`.

import {dumps, normalize} from "./cj.js";
import {sha256Hex} from "./digest.js";
import {FormatError, SealError, failingAs} from "./errors.js";
import {exactKeys, loadObject, sortedHashes, text} from "./fields.js";
import {concat, fromHex, toHex} from "./hex.js";
import {KB, KINDS, WITHDRAW} from "./labels.js";
import * as p256 from "./p256.js";
import {makeStanza, stanzaJson} from "./stanza.js";

const SUBMISSION = ["bid_id", "bidder", "header_sha256", "kb_sha256", "kind", "listing", "sig"];
const WITHDRAWAL = ["bid_id", "bidder", "headers", "listing", "sig"];

async function signed(prefix, unsigned, bidderKey) {
  unsigned = normalize(unsigned);
  const sig = await bidderKey.sign(concat(prefix, dumps(unsigned)));
  return {...unsigned, sig: toHex(sig)};
}

async function verified(request, fields, prefix, bidderPk, code) {
  const {value, message, signature} = await failingAs(code, () => {
    const value = exactKeys(loadObject(request, "request"), fields, "request");
    for (const name of ["bid_id", "bidder", "listing"]) text(value[name], name);
    const signature = fromHex(value.sig, 64, "sig");
    const unsigned = Object.fromEntries(Object.entries(value).filter(([name]) => name !== "sig"));
    return {value, message: concat(prefix, dumps(unsigned)), signature};
  });
  if (!(await p256.verify(bidderPk, message, signature))) {
    throw new SealError(code, "the bidder's signature does not verify");
  }
  return value;
}

/** S: K_b's hash and the header it opens, signed by the bidder (§7 step 2). */
export async function makeSubmission({header, kB, bidderKey}) {
  return signed(KB, {bid_id: header.bidId, bidder: header.bidder, header_sha256: await header.sha256(),
    kb_sha256: await sha256Hex(kB), kind: header.kind, listing: header.listing}, bidderKey);
}

/** S (CJ bytes or an object) is signed by the bidder and, given K_b, names its hash; else KB_SIGNATURE. */
export async function verifySubmission(submission, {bidderPk, kB}) {
  const value = await verified(submission, SUBMISSION, KB, bidderPk, "KB_SIGNATURE");
  await failingAs("KB_SIGNATURE", () => {
    fromHex(value.header_sha256, 32, "header_sha256");
    fromHex(value.kb_sha256, 32, "kb_sha256");
    if (!KINDS.includes(value.kind)) throw new FormatError("kind is neither form nor docs");
  });
  if (kB !== undefined && await sha256Hex(kB) !== value.kb_sha256) {
    throw new SealError("KB_SIGNATURE", "K_b is not the signed one");
  }
  return value;
}

/** W over the sorted header_sha256 of the bid's envelopes of record (§6). */
export function makeWithdrawal({listing, bidder, bidId, headers, bidderKey}) {
  // Lowercase hex of one length: string order is byte order.
  return signed(WITHDRAW, {bid_id: bidId, bidder, headers: [...new Set(headers)].sort(), listing}, bidderKey);
}

/** W is well-formed and signed by the bidder; else WITHDRAWAL_INVALID. */
export async function verifyWithdrawal(withdrawal, {bidderPk}) {
  const value = await verified(withdrawal, WITHDRAWAL, WITHDRAW, bidderPk, "WITHDRAWAL_INVALID");
  await failingAs("WITHDRAWAL_INVALID", () => sortedHashes(value.headers, "headers"));
  return value;
}

/** K_b for the opening worker's one-time key, aad = CJ(S) (§7): the stanza's JSON. */
export async function kbToOpening({kB, submission, openingPk}) {
  const {stanza} = await makeStanza(kB, openingPk, {role: "opening", aad: dumps(submission)});
  return stanzaJson(stanza);
}
