// Runs vectors S1–S6 (seal-vectors.md) and J1/J2 (canonical-json.md) against the modules
// of this directory and writes one line per check into #results: "ok   NAME" or
// "FAIL NAME: why", then "ALL OK" or "FAIL n of m". vectors.json is generated from the spec
// files by tests/e2e/test_seal_js.py. With ?run=0 nothing runs (a page for other tests).
//
// WebCrypto's ECDSA nonces are random, so the header_sig, S and W signatures made here
// differ from the vectors' RFC 6979 ones: those checks verify both instead of comparing.

import {dumps, loads} from "./cj.js";
import {sha256Hex} from "./digest.js";
import {publicKeyOk, publicOfSeed, strictEncodings, verifyStrict} from "./ed25519.js";
import {openEnvelope, sealEnvelope} from "./envelope.js";
import {SealError} from "./errors.js";
import {padForm} from "./form.js";
import {keyCommitment, parseHeader, payloadKey} from "./header.js";
import {concat, fromHex, toHex, utf8} from "./hex.js";
import {keyEncryptionKey, makeKeyFile, readKeyFile} from "./keyfile.js";
import {CHUNK, HEADER_SIG, RECEIPT, TAG_SIZE} from "./labels.js";
import {P256Key, ecdh, ephemeral, publicOf, verify} from "./p256.js";
import {checkSealReceipt, platformKid, verifyReceipt} from "./receipt.js";
import {makeSubmission, makeWithdrawal, verifySubmission, verifyWithdrawal} from "./requests.js";
import {readShareFile, shareCommit} from "./shares.js";
import {makeStanza, stanzaJson, wrapKey} from "./stanza.js";
import {unwrapForOpening} from "./bidder.js";

const results = document.getElementById("results");
let failures = 0;
let total = 0;

function write(line) {
  results.textContent += line + "\n";
}

async function check(name, body) {
  total += 1;
  try {
    await body();
    write(`ok   ${name}`);
  } catch (e) {
    failures += 1;
    write(`FAIL ${name}: ${e && e.stack ? e.stack.split("\n").slice(0, 3).join(" | ") : e}`);
  }
}

function eq(actual, expected, what) {
  const a = actual instanceof Uint8Array ? toHex(actual) : actual;
  const b = expected instanceof Uint8Array ? toHex(expected) : expected;
  if (a !== b) throw new Error(`${what}: got ${String(a).slice(0, 200)}, want ${String(b).slice(0, 200)}`);
}

function yes(condition, what) {
  if (!condition) throw new Error(what);
}

/** The promise must fail with SealError `code` (and chunk index `chunk` for CHUNK). */
async function refused(promise, code, chunk = null) {
  try {
    await promise;
  } catch (e) {
    if (!(e instanceof SealError)) throw new Error(`want ${code}, got ${e}`);
    eq(e.code, code, "code");
    eq(e.chunk, chunk, "chunk");
    return;
  }
  throw new Error(`want ${code}, but it passed`);
}

const token = (value) => value.split(/\s+/)[0];

async function bytesOf(blob) {
  return new Uint8Array(await blob.arrayBuffer());
}

function replaceOnce(bytes, from, to) {
  const text = new TextDecoder().decode(bytes);
  yes(text.includes(from) && from.length === to.length, `cannot replace ${from}`);
  return concat(utf8(text.replace(from, to)));
}

async function run() {
  const all = await (await fetch("vectors.json", {cache: "no-store"})).json();
  const V = all.seal;
  const raw = (section, name) => fromHex(token(V[section][name]));
  /** A value annotated (= SHA-256("label")), checked against its label. */
  async function derived(section, name) {
    const value = V[section][name];
    const label = /\(= SHA-256\("([^"]+)"\)\)/.exec(value);
    yes(label, `${name} has no SHA-256 annotation`);
    eq(await sha256Hex(utf8(label[1])), token(value), `${section} ${name} label`);
    return fromHex(token(value));
  }
  const ids = {listing: "ZB-2025-0001", bidder: "ORG-000123", bidId: "BID-0001"};

  // --- J1, J2: canonical JSON ------------------------------------------------------------
  const j1 = all.cj.J1;
  await check("J1 encodes to its CJ bytes, length and SHA-256", async () => {
    const encoded = dumps(JSON.parse(j1.input));
    eq(toHex(encoded), j1["CJ hex"], "CJ hex");
    eq(`${encoded.length} bytes`, j1.length, "length");
    eq(await sha256Hex(encoded), j1["SHA-256"], "SHA-256");
  });
  await check("J1 bytes read back to the same value", () => {
    const data = fromHex(j1["CJ hex"]);
    eq(dumps(loads(data)), data, "re-encoded");
  });
  yes(all.cj.J2.length === 14, "J2 has 14 lines");
  for (const {hex, why} of all.cj.J2) {
    await check(`J2 rejects ${why}`, () => {
      try {
        loads(fromHex(hex));
      } catch (e) {
        eq(e.name, "CanonicalJSONError", "error");
        return;
      }
      throw new Error("accepted");
    });
  }

  // --- S1: the form envelope -------------------------------------------------------------
  const S1 = V.S1;
  const dListingForm = await derived("S1", "d_listing_form");
  const dBidder = await derived("S1", "d_bidder");
  const s1Secrets = {kL: raw("S1", "K_l"), kB: raw("S1", "K_b"), r: raw("S1", "r"),
    eListing: await derived("S1", "e_listing"), eBidder: await derived("S1", "e_bidder")};
  const vectorHeader = JSON.parse(S1.header);
  const listingFormPk = fromHex(vectorHeader.recipients.listing.pk);
  const bidderPk = fromHex(vectorHeader.recipients.bidder.pk);
  const bidderKey = await P256Key.fromScalar(dBidder);
  const listingFormKey = await P256Key.fromScalar(dListingForm);
  const form = JSON.parse(S1["form JSON (146 bytes)"]);

  await check("S1 labels of d_listing_form, d_bidder, e_listing, e_bidder", async () => {
    for (const name of ["d_listing_form", "d_bidder", "e_listing", "e_bidder"]) await derived("S1", name);
  });
  await check("S1 public keys are d_listing_form·G and d_bidder·G", async () => {
    eq(await publicOf(dListingForm), listingFormPk, "listing pk");
    eq(await publicOf(dBidder), bidderPk, "bidder pk");
    eq(bidderKey.pk, bidderPk, "P256Key.pk");
  });
  await check("S1 form JSON is its CJ and pads to form_size 4096", () => {
    const encoded = dumps(form);
    eq(new TextDecoder().decode(encoded), S1["form JSON (146 bytes)"], "form CJ");
    eq(encoded.length, 146, "length");
    eq(padForm(form, 4096), concat(encoded, new Uint8Array(3950)), "padded body");
  });
  const s1 = await sealEnvelope(padForm(form, 4096), {...ids, kind: "form", listingPk: listingFormPk,
    bidderKey, secrets: s1Secrets});
  const s1Envelope = await bytesOf(s1.envelope);
  const s1Header = s1.header;
  const [s1Size, , , s1Sha] = S1.envelope.split(/\s+/);
  await check("S1 header bytes", () => eq(new TextDecoder().decode(s1Header.raw), S1.header, "header"));
  await check("S1 SHA-256(header)", async () => {
    eq(s1.headerSha256, S1["SHA-256(header)"], "returned");
    eq(await sha256Hex(s1Envelope.subarray(0, s1Envelope.indexOf(10))), S1["SHA-256(header)"], "in envelope");
  });
  await check("S1 bind", () => eq(new TextDecoder().decode(s1Header.bind), S1.bind, "bind"));
  for (const [role, stanza, e] of [["listing", s1Header.listingStanza, s1Secrets.eListing],
    ["bidder", s1Header.bidderStanza, s1Secrets.eBidder]]) {
    await check(`S1 ${role}.Z and ${role}.w`, async () => {
      const z = await ecdh((await ephemeral(e)).privateKey, stanza.pk);
      eq(z, S1[`${role}.Z`], "Z");
      eq(await wrapKey(z, stanza.epk, stanza.pk, role), S1[`${role}.w`], "w");
    });
  }
  await check("S1 salt, K, kc and pc", async () => {
    eq(await sha256Hex(dumps(s1Header.core())), S1.salt, "salt");
    const key = await payloadKey(s1Header.core(), s1Secrets.kL, s1Secrets.kB);
    eq(key, S1.K, "K");
    eq(await keyCommitment(key), S1.kc, "kc");
    eq(s1Header.kc, S1.kc, "header kc");
    eq(s1Header.pc, S1.pc, "header pc");
  });
  await check("S1 SHA-256(P_0), the tag, SHA-256(C_0) and payload_hash", async () => {
    const payload = s1Envelope.subarray(s1Header.raw.length + 1);
    eq(await sha256Hex(concat(s1Secrets.r, padForm(form))), token(S1["SHA-256(P_0)"]), "P_0");
    eq(payload.subarray(payload.length - TAG_SIZE), S1["chunk 0 (last)"].split(/\s+/)[1], "tag");
    eq(await sha256Hex(payload), S1["SHA-256(C_0)"], "C_0");
    eq(s1.payloadHash, S1.payload_hash, "payload_hash");
  });
  await check("S1 envelope bytes: size and SHA-256", async () => {
    eq(s1Envelope.length, Number(s1Size), "size");
    eq(s1.envelopeSize, Number(s1Size), "returned size");
    eq(await sha256Hex(s1Envelope), s1Sha, "SHA-256");
  });
  await check("S1 header_sig: the vector's (RFC 6979) and this browser's verify", async () => {
    const message = concat(HEADER_SIG, s1Header.raw);
    yes(await verify(bidderPk, message, raw("S1", "header_sig (RFC 6979 k)")), "vector signature fails");
    yes(await verify(bidderPk, message, s1.headerSig), "WebCrypto signature fails");
    yes(!(await verify(listingFormPk, message, s1.headerSig)), "verifies under another key");
  });
  await check("S1 opens with d and the bidder key to the form", async () => {
    const opened = await openEnvelope(s1Envelope, {listingKey: listingFormKey, bidderKey});
    eq(new TextDecoder().decode(opened.body), S1["form JSON (146 bytes)"], "body");
    eq(dumps(opened.form), dumps(form), "form");
  });
  await check("S1 opens with K_l and K_b, and from a Blob", async () => {
    const opened = await openEnvelope(new Blob([s1Envelope]), {kL: s1Secrets.kL, kB: s1Secrets.kB});
    eq(new TextDecoder().decode(opened.body), S1["form JSON (146 bytes)"], "body");
  });
  await check("S1 refusals: UNWRAP_BIDDER, UNWRAP_LISTING, NO_BIDDER_KEY, KEY_COMMIT, CHUNK 0, LENGTH, HEADER_INVALID", async () => {
    await refused(openEnvelope(s1Envelope, {listingKey: listingFormKey, bidderKey: listingFormKey}), "UNWRAP_BIDDER");
    await refused(openEnvelope(s1Envelope, {listingKey: bidderKey, kB: s1Secrets.kB}), "UNWRAP_LISTING");
    await refused(openEnvelope(s1Envelope, {kL: s1Secrets.kL}), "NO_BIDDER_KEY");
    await refused(openEnvelope(s1Envelope, {kL: s1Secrets.kL, kB: s1Secrets.kL}), "KEY_COMMIT");
    const moved = replaceOnce(s1Envelope.subarray(0, s1Header.raw.length), "BID-0001", "BID-0002");
    const movedEnvelope = concat(moved, s1Envelope.subarray(s1Header.raw.length));
    await refused(openEnvelope(movedEnvelope, {kL: s1Secrets.kL, kB: s1Secrets.kB}), "KEY_COMMIT");
    await refused(openEnvelope(movedEnvelope, {listingKey: listingFormKey, kB: s1Secrets.kB}), "UNWRAP_LISTING");
    const flipped = s1Envelope.slice();
    flipped[s1Header.raw.length + 100] ^= 1;
    await refused(openEnvelope(flipped, {kL: s1Secrets.kL, kB: s1Secrets.kB}), "CHUNK", 0);
    await refused(openEnvelope(s1Envelope.subarray(0, s1Envelope.length - 1), {kL: s1Secrets.kL, kB: s1Secrets.kB}), "LENGTH");
    await refused(openEnvelope(s1Envelope.subarray(0, 100), {kL: s1Secrets.kL, kB: s1Secrets.kB}), "HEADER_INVALID");
  });
  await check("S1 sealing refuses another listing key than the notice's (WRONG_RECIPIENT)", async () => {
    await refused(sealEnvelope(padForm(form), {...ids, kind: "form", listingPk: listingFormPk, bidderKey,
      listingFingerprint: V.S6["fp(listing docs key)"]}), "WRONG_RECIPIENT");
    await refused(sealEnvelope(padForm(form), {...ids, kind: "form", listingPk: bidderPk.map((b, i) => (i === 64 ? b ^ 1 : b)),
      bidderKey}), "WRONG_RECIPIENT");
    await refused(sealEnvelope(new Uint8Array(4000), {...ids, kind: "form", listingPk: listingFormPk, bidderKey}), "FORM_INVALID");
    const sealed = await sealEnvelope(padForm(form), {...ids, kind: "form", listingPk: listingFormPk, bidderKey,
      listingFingerprint: V.S6["fp(listing form key)"]});
    eq(sealed.envelopeSize, Number(s1Size), "a fresh envelope's size");
  });

  // --- S2: the documents envelope, 3 chunks ------------------------------------------------
  const S2 = V.S2;
  const dListingDocs = await derived("S2", "d_listing_docs");
  const listingDocsPk = raw("S2", "pk_listing_docs");
  const s2Secrets = {kL: raw("S2", "K_l"), kB: raw("S2", "K_b"), r: raw("S2", "r"),
    eListing: await derived("S2", "e_listing"), eBidder: await derived("S2", "e_bidder")};
  const s2Body = new Uint8Array(2500000).map((_, i) => i % 251);
  await check("S2 pk_listing_docs is d_listing_docs·G", async () => eq(await publicOf(dListingDocs), listingDocsPk, "pk"));
  // From a Blob, as a File from an <input> would come.
  const s2 = await sealEnvelope(new Blob([s2Body]), {...ids, kind: "docs", listingPk: listingDocsPk, bidderKey,
    secrets: s2Secrets});
  const s2Envelope = await bytesOf(s2.envelope);
  const s2Header = s2.header;
  await check("S2 header: ids, size, SHA-256 and bind", async () => {
    eq([s2Header.listing, s2Header.bidder, s2Header.bidId, s2Header.kind, s2Header.size].join(" "),
      "ZB-2025-0001 ORG-000123 BID-0001 docs 2500000", "fields");
    eq(s2.headerSha256, S2["SHA-256(header)"], "SHA-256(header)");
    eq(new TextDecoder().decode(s2Header.bind), S2.bind, "bind");
    eq(s2Header.bidderStanza.pk, bidderPk, "bidder pk");
  });
  for (const [role, stanza, e] of [["listing", s2Header.listingStanza, s2Secrets.eListing],
    ["bidder", s2Header.bidderStanza, s2Secrets.eBidder]]) {
    await check(`S2 ${role}.epk, ${role}.wk, ${role}.Z and ${role}.w`, async () => {
      eq(stanza.epk, S2[`${role}.epk`], "epk");
      eq(stanza.wk, S2[`${role}.wk`], "wk");
      const z = await ecdh((await ephemeral(e)).privateKey, stanza.pk);
      eq(z, S2[`${role}.Z`], "Z");
      eq(await wrapKey(z, stanza.epk, stanza.pk, role), S2[`${role}.w`], "w");
    });
  }
  await check("S2 salt, K and kc", async () => {
    eq(await sha256Hex(dumps(s2Header.core())), S2.salt, "salt");
    const key = await payloadKey(s2Header.core(), s2Secrets.kL, s2Secrets.kB);
    eq(key, S2.K, "K");
    eq(await keyCommitment(key), S2.kc, "kc");
    eq(s2Header.kc, S2.kc, "header kc");
  });
  await check("S2 SHA-256 of P_0..P_2 and C_0..C_2, pc and payload_hash", async () => {
    const plain = concat(s2Secrets.r, s2Body);
    const payload = s2Envelope.subarray(s2Header.raw.length + 1);
    const step = CHUNK + TAG_SIZE;
    for (let i = 0; i < 3; i++) {
      eq(await sha256Hex(plain.subarray(i * CHUNK, (i + 1) * CHUNK)), S2[`SHA-256(P_${i})`], `P_${i}`);
      eq(await sha256Hex(payload.subarray(i * step, (i + 1) * step)), S2[`SHA-256(C_${i})`], `C_${i}`);
    }
    eq(s2Header.pc, S2.pc, "pc");
    eq(s2.payloadHash, S2.payload_hash, "payload_hash");
  });
  await check("S2 envelope bytes: size and SHA-256", async () => {
    const [size, , , digest] = S2.envelope.split(/\s+/);
    eq(s2Envelope.length, Number(size), "size");
    eq(await sha256Hex(s2Envelope), digest, "SHA-256");
  });
  await check("S2 sealing from bytes gives the same envelope", async () => {
    const again = await sealEnvelope(s2Body, {...ids, kind: "docs", listingPk: listingDocsPk, bidderKey, secrets: s2Secrets});
    eq(await sha256Hex(await bytesOf(again.envelope)), await sha256Hex(s2Envelope), "SHA-256");
  });
  await check("S2 header_sig: the vector's (RFC 6979) and this browser's verify", async () => {
    const message = concat(HEADER_SIG, s2Header.raw);
    yes(await verify(bidderPk, message, raw("S2", "header_sig (RFC 6979 k)")), "vector signature fails");
    yes(await verify(bidderPk, message, s2.headerSig), "WebCrypto signature fails");
  });
  await check("S2 opens with d and the bidder key to the body", async () => {
    const opened = await openEnvelope(new Blob([s2Envelope]), {listingKey: await P256Key.fromScalar(dListingDocs), bidderKey});
    yes(opened.form === null, "a docs envelope has no form");
    eq(await sha256Hex(await bytesOf(opened.body)), await sha256Hex(s2Body), "body");
  });
  await check("S2 refusals: chunks reordered or replaced fail at chunk 1 (CHUNK), the last one cut (LENGTH)", async () => {
    const start = s2Header.raw.length + 1;
    const step = CHUNK + TAG_SIZE;
    const keys = {kL: s2Secrets.kL, kB: s2Secrets.kB};
    const [c0, c1, c2] = [0, 1, 2].map((i) => s2Envelope.subarray(start + i * step, start + (i + 1) * step));
    const head = s2Envelope.subarray(0, start);
    await refused(openEnvelope(concat(head, c0, c2, c1), keys), "CHUNK", 1);
    await refused(openEnvelope(concat(head, c0, c0, c2), keys), "CHUNK", 1);
    await refused(openEnvelope(concat(head, c0, c1), keys), "LENGTH");
  });

  // --- S3: receipts, submission, withdrawal ----------------------------------------------
  const S3 = V.S3;
  const platformSeed = await derived("S3", "platform Ed25519 seed");
  const platformPk = raw("S3", "platform public key");
  const keyName = S3["key name"];
  const sealReceipt = utf8(S3["seal receipt"]);
  await check("S3 platform key of the seed, its kid and the sealer label", async () => {
    eq(await publicOfSeed(platformSeed), platformPk, "public key");
    eq(await platformKid(keyName, platformPk), JSON.parse(S3["seal receipt"]).kid, "kid");
    eq(toHex(await derived("S3", "sealer")), token(S3.sealer), "sealer");
  });
  await check("S3 seal receipt verifies, with the S1 envelope's size and hashes", async () => {
    const value = await verifyReceipt(sealReceipt, {platformPk, keyName, envelope: s1Envelope});
    eq(value.envelope_sha256, s1Sha, "envelope_sha256");
    await refused(verifyReceipt(sealReceipt, {platformPk, keyName, envelope: s2Envelope}), "RECEIPT_MISMATCH");
  });
  await check("S3 seal receipt checks against the sealed S1 (§6 step 4)", async () => {
    const withVectorSig = {...s1, headerSig: raw("S1", "header_sig (RFC 6979 k)")};
    await checkSealReceipt(sealReceipt, withVectorSig, {platformPk, keyName});
    await refused(checkSealReceipt(sealReceipt, s2, {platformPk, keyName}), "RECEIPT_INVALID");
  });
  await check("S3 key receipt and withdraw receipt verify", async () => {
    eq((await verifyReceipt(utf8(S3["key receipt"]), {platformPk, keyName})).type, "key", "key");
    eq((await verifyReceipt(JSON.parse(S3["withdraw receipt"]), {platformPk, keyName})).type, "withdraw", "withdraw");
  });
  await check("S3 receipts refused: a changed field, another key name, S ≥ L, a non-canonical R", async () => {
    const receipt = JSON.parse(S3["seal receipt"]);
    await refused(verifyReceipt({...receipt, audit_seq: 3}, {platformPk, keyName}), "RECEIPT_INVALID");
    await refused(verifyReceipt(sealReceipt, {platformPk, keyName: "sunbid:other/audit"}), "RECEIPT_INVALID");
    await refused(verifyReceipt(replaceOnce(sealReceipt, '"type":"seal"', '"type":"key!"'), {platformPk, keyName}), "RECEIPT_INVALID");
    const sig = fromHex(receipt.sig);
    const message = concat(RECEIPT, dumps(Object.fromEntries(Object.entries(receipt).filter(([k]) => k !== "sig"))));
    yes(await verifyStrict(platformPk, sig, message), "the vector's signature fails");
    // S + L: the same point equation, a second encoding of S.
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]);
    s += L;
    const malleable = sig.slice();
    for (let i = 32; i < 64; i++, s >>= 8n) malleable[i] = Number(s & 0xffn);
    yes(strictEncodings(platformPk, sig), "the vector's signature is not strict");
    yes(!strictEncodings(platformPk, malleable), "S ≥ L passes the strict checks");
    yes(!(await verifyStrict(platformPk, malleable, message)), "S ≥ L accepted");
    await refused(verifyReceipt({...receipt, sig: toHex(malleable)}, {platformPk, keyName}), "RECEIPT_INVALID");
    const rNotCanonical = sig.slice();
    rNotCanonical.set(new Uint8Array(32).fill(0xff), 0);
    rNotCanonical[31] = 0x7f;
    yes(!strictEncodings(platformPk, rNotCanonical), "R ≥ p passes the strict checks");
    yes(!(await verifyStrict(platformPk, rNotCanonical, message)), "R ≥ p accepted");
    const rSigned = sig.slice();
    rSigned.set(new Uint8Array(32), 0);
    rSigned[0] = 1;
    rSigned[31] = 0x80; // y = 1 (x = 0) with the sign bit set
    yes(!strictEncodings(platformPk, rSigned), "x = 0 with the sign bit passes the strict checks");
  });
  await check("S3 strict Ed25519 public keys: the platform's passes; identity, order 8 and y ≥ p fail", () => {
    yes(publicKeyOk(platformPk), "the platform key fails");
    const identity = new Uint8Array(32);
    identity[0] = 1;
    yes(!publicKeyOk(identity), "identity accepted");
    yes(!publicKeyOk(fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a")), "order 8 accepted");
    const large = new Uint8Array(32).fill(0xff);
    large[0] = 0xee;
    large[31] = 0x7f;
    yes(!publicKeyOk(large), "y ≥ p accepted");
  });
  await check("S3 submission: the fields of the vector; both signatures verify", async () => {
    const made = await makeSubmission({header: s1Header, kB: s1Secrets.kB, bidderKey});
    const expected = JSON.parse(S3.submission);
    eq(dumps({...made, sig: expected.sig}), dumps(expected), "fields");
    await verifySubmission(made, {bidderPk, kB: s1Secrets.kB});
    await verifySubmission(utf8(S3.submission), {bidderPk, kB: s1Secrets.kB});
    await refused(verifySubmission(utf8(S3.submission), {bidderPk, kB: s1Secrets.kL}), "KB_SIGNATURE");
    await refused(verifySubmission({...expected, kind: "docs"}, {bidderPk}), "KB_SIGNATURE");
  });
  await check("S3 withdrawal: the fields of the vector; both signatures verify", async () => {
    const made = await makeWithdrawal({...ids, headers: [s2.headerSha256, s1.headerSha256], bidderKey});
    const expected = JSON.parse(S3.withdrawal);
    eq(dumps({...made, sig: expected.sig}), dumps(expected), "fields");
    await verifyWithdrawal(made, {bidderPk});
    await verifyWithdrawal(utf8(S3.withdrawal), {bidderPk});
    await refused(verifyWithdrawal({...expected, headers: [...expected.headers].reverse()}, {bidderPk}), "WITHDRAWAL_INVALID");
  });
  await check("S3 unwrap for the opening: K_b and S from the receipt of record; withdrawn NOT_OF_RECORD", async () => {
    const result = await unwrapForOpening({header: s1Header, receipts: [sealReceipt], listing: ids.listing,
      platformPk, keyName, bidderKey});
    eq(result.k_b, s1Secrets.kB, "k_b");
    eq(dumps({...result.submission, sig: JSON.parse(S3.submission).sig}), dumps(JSON.parse(S3.submission)), "S");
    await refused(unwrapForOpening({header: s1Header, receipts: [sealReceipt, utf8(S3["withdraw receipt"])],
      listing: ids.listing, platformPk, keyName, bidderKey}), "NOT_OF_RECORD");
    await refused(unwrapForOpening({header: s2Header, receipts: [sealReceipt], listing: ids.listing,
      platformPk, keyName, bidderKey}), "NOT_OF_RECORD");
  });

  // --- S4: the custodian's share file ----------------------------------------------------
  const S4 = V.S4;
  const shareFile = JSON.parse(S4["share file"]);
  const event = JSON.parse(S4["listing.key event payload"]);
  const dCustodian = await derived("S4", "d_custodian_1");
  const eShare = await derived("S4", "e_share");
  const custodianKey = await P256Key.fromScalar(dCustodian);
  const y1 = fromHex(S4["share x=1: y"]);
  await check("S4 labels of c_1, d_custodian_1, e_share; custodian pk", async () => {
    await derived("S4", "c_1");
    eq(custodianKey.pk, shareFile.stanza.pk, "custodian pk");
  });
  await check("S4 share file's stanza from e_share, share.Z and share.w", async () => {
    const unwrapped = Object.fromEntries(Object.entries(shareFile).filter(([name]) => name !== "stanza"));
    const {stanza} = await makeStanza(y1, custodianKey.pk, {role: "share", aad: dumps(unwrapped), ephemeralSk: eShare});
    eq(dumps({...unwrapped, stanza: stanzaJson(stanza)}), dumps(shareFile), "share file");
    eq(new TextDecoder().decode(dumps(shareFile)), S4["share file"], "CJ of the file");
    const z = await ecdh((await ephemeral(eShare)).privateKey, stanza.pk);
    eq(z, S4["share.Z"], "Z");
    eq(await wrapKey(z, stanza.epk, stanza.pk, "share"), S4["share.w"], "w");
  });
  await check("S4 share file unwraps to y of x=1 and matches commit x=1", async () => {
    const share = await readShareFile(utf8(S4["share file"]), {custodianKey, commit: S4["commit x=1"]});
    eq(share.y, y1, "y");
    eq([share.x, share.k, share.n, share.custodian, share.kind, share.listing].join(" "),
      "1 2 3 agent:ZB-AGENT-07 form ZB-2025-0001", "fields");
    eq(share.pk, event.pk, "pk");
  });
  await check("S4 commitments of the three shares and the listing.key event", async () => {
    const pk = fromHex(event.pk);
    for (const x of [1, 2, 3]) {
      const commit = await shareCommit(pk, x, fromHex(S4[`share x=${x}: y`]));
      eq(commit, S4[`commit x=${x}`], `commit ${x}`);
      eq(commit, event.shares[x - 1].commit, `event commit ${x}`);
    }
  });
  await check("S4 refusals: another commitment, another custodian's key, an edited file (SHARE_COMMIT)", async () => {
    await refused(readShareFile(utf8(S4["share file"]), {custodianKey, commit: S4["commit x=2"]}), "SHARE_COMMIT");
    await refused(readShareFile(utf8(S4["share file"]), {custodianKey: bidderKey}), "SHARE_COMMIT");
    await refused(readShareFile({...shareFile, custodian: "staff:31"}, {custodianKey}), "SHARE_COMMIT");
  });

  // --- S5: the bidder's key file -----------------------------------------------------------
  const S5 = V.S5;
  const passphrase = all["S5 passphrase"];
  const keyFile = JSON.parse(S5["key file"]);
  await check("S5 kek", async () => eq(await keyEncryptionKey(passphrase, fromHex(keyFile.salt)), token(S5.kek), "kek"));
  await check("S5 key file made byte for byte", async () => {
    const made = await makeKeyFile({role: "bidder", owner: "ORG-000123", privateKey: dBidder, passphrase,
      salt: fromHex(keyFile.salt), nonce: fromHex(keyFile.nonce)});
    eq(new TextDecoder().decode(made), S5["key file"], "key file");
  });
  await check("S5 key file opens with its passphrase to d_bidder", async () => {
    const opened = await readKeyFile(utf8(S5["key file"]), passphrase, {role: "bidder"});
    eq(opened.privateKey, dBidder, "private key");
    eq(opened.pk, bidderPk, "pk");
    eq(opened.key.pk, bidderPk, "P256Key");
    eq(`${opened.role} ${opened.owner}`, "bidder ORG-000123", "role and owner");
  });
  await check("S5 refusals: a wrong passphrase, iter 100000, an edited owner, another role (KEY_FILE)", async () => {
    await refused(readKeyFile(utf8(S5["key file"]), passphrase.replace("电池", "电话")), "KEY_FILE");
    await refused(readKeyFile({...keyFile, iter: 100000}, passphrase), "KEY_FILE");
    await refused(readKeyFile({...keyFile, owner: "ORG-000124"}, passphrase), "KEY_FILE");
    await refused(readKeyFile(utf8(S5["key file"]), passphrase, {role: "custodian"}), "KEY_FILE");
    await refused(readKeyFile(utf8(S5["key file"].replace(":600000", ": 600000")), passphrase), "KEY_FILE");
  });

  // --- S6: fingerprints --------------------------------------------------------------------
  await check("S6 fingerprints of the listing keys and the platform key", async () => {
    eq(await sha256Hex(listingFormPk), V.S6["fp(listing form key)"], "form");
    eq(await sha256Hex(listingDocsPk), V.S6["fp(listing docs key)"], "docs");
    eq(await sha256Hex(platformPk), V.S6["fp(platform key)"], "platform");
  });
}

if (new URLSearchParams(location.search).get("run") !== "0") {
  run().catch((e) => {
    failures += 1;
    write(`FAIL the run stopped: ${e && e.stack ? e.stack : e}`);
  }).finally(() => {
    write(failures ? `FAIL ${failures} of ${total}` : "ALL OK");
    results.dataset.state = "done";
  });
}
