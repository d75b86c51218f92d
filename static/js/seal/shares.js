// A custodian's side of the listing key's custody (seal.md §9, §7 step 3): open its share
// file, check y against c_x, and send y to the opening worker only.

import {dumps} from "./cj.js";
import {sha256Hex} from "./digest.js";
import {FormatError, SealError, failingAs} from "./errors.js";
import {exactKeys, integer, loadObject, text} from "./fields.js";
import {concat, fromHex} from "./hex.js";
import {KINDS, SHARE, SHARE_VERSION} from "./labels.js";
import * as p256 from "./p256.js";
import {makeStanza, parseStanza, stanzaJson, unwrapStanza} from "./stanza.js";

const FILE = ["v", "listing", "kind", "pk", "k", "n", "x", "custodian", "stanza"];

/** c_x = hex SHA-256("sunbid-seal/1 share" ‖ pk ‖ u8(x) ‖ y_x). */
export function shareCommit(pk, x, y) {
  return sha256Hex(concat(SHARE, pk, [x], y));
}

/**
 * Unwrap a share file (CJ bytes or an object) with the custodian's key (a P256Key) and,
 * given `listing.key`'s c_x, check it; any failure is SHARE_COMMIT.
 * Returns {listing, kind, pk, k, n, x, custodian, y}.
 */
export async function readShareFile(shareFile, {custodianKey, commit}) {
  const file = await failingAs("SHARE_COMMIT", async () => {
    const value = exactKeys(loadObject(shareFile, "share file"), FILE, "share file");
    if (value.v !== SHARE_VERSION || !KINDS.includes(value.kind)) {
      throw new FormatError("not a sunbid-share/1 file of a form or docs key");
    }
    const k = integer(value.k, 1, "k");
    const n = integer(value.n, 1, "n");
    if (!(k <= n && n <= 255)) throw new FormatError("shares need 1 ≤ k ≤ n ≤ 255");
    const x = integer(value.x, 1, "x");
    if (x > n) throw new FormatError("x is above n");
    const pk = fromHex(value.pk, 65, "pk");
    await p256.publicKey(pk);
    const stanza = await parseStanza(value.stanza);
    const unwrapped = Object.fromEntries(Object.entries(value).filter(([name]) => name !== "stanza"));
    return {listing: text(value.listing, "listing"), kind: value.kind, pk, k, n, x,
      custodian: text(value.custodian, "custodian"), stanza, aad: dumps(unwrapped)};
  });
  const y = await unwrapStanza(file.stanza, custodianKey, {role: "share", aad: file.aad, code: "SHARE_COMMIT"});
  if (commit !== undefined && await shareCommit(file.pk, file.x, y) !== commit) {
    throw new SealError("SHARE_COMMIT", `share ${file.x} does not match its commitment`);
  }
  const {stanza, aad, ...share} = file;
  return {...share, y};
}

/** Custodian x's y for the opening worker, aad = CJ({custodian, kind, listing, x}): the stanza's JSON. */
export async function shareToOpening({y, x, custodian, kind, listing, openingPk}) {
  const {stanza} = await makeStanza(y, openingPk, {role: "opening", aad: dumps({custodian, kind, listing, x})});
  return stanzaJson(stanza);
}
