// sunbid-seal/1 in the browser (seal.md, in ../shared/specs/ beside the repository), with
// WebCrypto only and no build step. Keys are Uint8Array (P-256: 32-byte scalar, 65-byte point
// 04‖X‖Y; Ed25519: 32 bytes) or a P256Key; JSON objects keep the spec's field names; bodies
// and envelopes are Blobs (a File) or bytes, read 1 MiB at a time. A failed check throws
// SealError with `code` from §7 (`chunk` for CHUNK); misuse throws TypeError.
//
// Keys
//   P256Key.fromScalar(sk) -> key {pk, ecdh(peerPk), sign(message)}   bidder, custodian, listing d
//   newKeyPair() -> {sk, pk}; publicOf(sk) -> pk; fingerprint(pk) -> hex   fp of §2
// Envelopes (§4–§7 step 4)
//   padForm(form, formSize = 4096) -> bytes; unpadForm(body) -> {encoded, form}
//   sealEnvelope(body, {listing, bidder, bidId, kind, listingPk, bidderKey, listingFingerprint,
//                bidderLock = true, secrets, onProgress(phase, done, total)}) -> {envelope: Blob, header, headerSig,
//                headerSha256, payloadHash, envelopeSize}           self-checked (§6 step 3)
//   openEnvelope(envelope, {listingKey | kL, bidderKey | kB}) -> {header, form, body}
//   readHeader(envelope) -> bytes; parseHeader(bytes) -> Header; unwrapListingKey / unwrapBidderKey
// Receipts (§8) and the K_b window (§7 step 2)
//   verifyReceipt(receipt, {platformPk, keyName, envelope}); checkSealReceipt(receipt, sealed, …)
//   measureEnvelope(envelope); platformKid(keyName, pk)
//   unwrapForOpening({header, receipts, listing, platformPk, keyName, bidderKey, openingPk})
//   receiptOfRecord(header, receipts, listing)
// Signed requests (§6, §7)
//   makeSubmission / verifySubmission (S); makeWithdrawal / verifyWithdrawal (W); kbToOpening
// Shares and key files (§9)
//   readShareFile(file, {custodianKey, commit}); shareCommit(pk, x, y); shareToOpening(…)
//   makeKeyFile({role, owner, privateKey, passphrase}); readKeyFile(file, passphrase, {role})
//   checkPassphrase(passphrase) -> NFC passphrase; estimatedBits(passphrase)
// Canonical JSON: dumps(value) -> bytes; loads(bytes) -> value; normalize(value)

export {CanonicalJSONError, dumps, loads, normalize} from "./cj.js";
export {fingerprint, sha256, sha256Hex} from "./digest.js";
export {publicKeyOk as ed25519PublicKeyOk, verifyStrict as ed25519VerifyStrict} from "./ed25519.js";
export {CODES, SealError} from "./errors.js";
export {openEnvelope, readHeader, sealEnvelope, unwrapBidderKey, unwrapListingKey} from "./envelope.js";
export {padForm, unpadForm} from "./form.js";
export {parseHeader} from "./header.js";
export {fromHex, toHex} from "./hex.js";
export {makeKeyFile, readKeyFile} from "./keyfile.js";
export {P256Key, newKeyPair, publicOf, verify as p256Verify} from "./p256.js";
export {checkPassphrase, estimatedBits} from "./passphrase.js";
export {checkSealReceipt, measureEnvelope, platformKid, verifyReceipt} from "./receipt.js";
export {kbToOpening, makeSubmission, makeWithdrawal, verifySubmission, verifyWithdrawal} from "./requests.js";
export {readShareFile, shareCommit, shareToOpening} from "./shares.js";
export {receiptOfRecord, unwrapForOpening} from "./bidder.js";
