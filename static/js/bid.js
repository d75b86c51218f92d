// The bid page: seal the bid form and the documents in this browser (seal.md §6 steps 1–3),
// keep the sealed envelopes in IndexedDB, upload them in resumable pieces with a progress bar
// that survives a reload, and check the platform's signed receipt (§6 step 4, §8). No
// plaintext, price or key leaves this page: only envelopes, header signatures and hashes.
import {fromHex, makeWithdrawal, padForm, readHeader, readKeyFile, sealEnvelope, toHex, verifyReceipt}
  from "./seal/index.js";
import {allPending, dropPending, putPending} from "./pending.js";
import {zipFiles} from "./zip.js";

const data = JSON.parse(document.getElementById("sealing-data").textContent);
const tools = document.getElementById("bid-tools");
const msg = (name) => tools.dataset[`msg${name[0].toUpperCase()}${name.slice(1)}`];
const $ = (id) => document.getElementById(id);

function say(text, good) {
  const out = $("bid-result");
  out.textContent = text;
  out.className = good ? "badge ok" : "badge bad";
}

function progress(label, done, total) {
  $("progress-card").hidden = false;
  const percent = total ? Math.floor((100 * done) / total) : 0;
  $("progress-label").textContent = label;
  $("progress").value = percent;
  $("progress-percent").textContent = `${percent}%`;
}

class Refused extends Error {}

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Refused(body.message || response.statusText);
    error.body = body;
    throw error;
  }
  return body;
}

function send(method, url, body, headers = {}) {
  return fetch(url, {method, body, credentials: "same-origin",
    headers: {"X-CSRFToken": tools.dataset.csrf, ...headers}}).then(answer);
}

// Upload one piece with XMLHttpRequest: fetch() reports no upload progress.
function putPiece(url, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.setRequestHeader("X-CSRFToken", tools.dataset.csrf);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () => {
      const body = JSON.parse(request.responseText || "{}");
      if (request.status >= 200 && request.status < 300) resolve(body);
      else { const error = new Refused(body.message || request.statusText); error.body = body; reject(error); }
    };
    request.onerror = () => reject(new Error("network"));
    request.send(blob);
  });
}

async function openKey() {
  const chosen = $("key-file").files[0];
  if (!chosen) throw new Refused(msg("wrongkey"));
  say(msg("key"), true);
  const opened = await readKeyFile(new Uint8Array(await chosen.arrayBuffer()), $("key-passphrase").value, {role: "bidder"});
  opened.privateKey.fill(0);
  if (toHex(opened.pk) !== data.bidder_pk) throw new Refused(msg("wrongkey"));
  return opened.key;
}

function formObject() {
  const price = $("price").value.trim();
  if (!/^\d+(\.\d{1,2})?$/.test(price)) throw new Refused(msg("price"));
  const [yuan, cents = ""] = price.split(".");
  const form = {bid_id: data.bid_id, listing: data.listing, price_fen: Number(yuan) * 100 + Number(cents.padEnd(2, "0"))};
  const duration = $("duration").value.trim();
  if (duration) form.duration_days = Number.parseInt(duration, 10);
  const remarks = $("remarks").value.trim();
  if (remarks) form.remarks = remarks;
  return form;
}

async function sealOne(body, kind, bidderKey) {
  const key = data.keys[kind];
  const sealed = await sealEnvelope(body, {listing: data.listing, bidder: data.bidder, bidId: data.bid_id, kind,
    listingPk: fromHex(key.pk), listingFingerprint: key.fp, bidderKey,
    onProgress: (phase, done, total) => progress(`${phase === "seal" ? msg("sealing") : msg("checking")} (${kind})`,
      done, total)});
  const record = {id: `${data.listing}:${data.bid_id}:${kind}`, kind, envelope: sealed.envelope,
    header: new TextDecoder().decode(sealed.header.raw), headerSig: toHex(sealed.headerSig), sealer: data.sealer,
    token: null};
  await putPending(record);
  return record;
}

// Refusals that end an envelope for good: it is dropped from this browser's queue.
const FINAL = new Set(["envelope_refused", "bidding_closed", "upload_closed", "not_signed_up", "bidder_key_missing"]);

async function upload(record, label) {
  try {
    return await uploadOnce(record, label);
  } catch (error) {
    if (error.body && FINAL.has(error.body.code)) await dropPending(record.id);
    throw error;
  }
}

// Begin (or find where it stopped), send the rest piece by piece, finish, check the receipt.
async function uploadOnce(record, label) {
  const total = record.envelope.size;
  let received = 0;
  if (record.token) {
    try {
      const status = await send("GET", tools.dataset.uploadUrl.replace("TOKEN", record.token));
      if (status.state !== "open") record.token = null;
      else received = status.received;
    } catch {
      record.token = null;
    }
  }
  if (!record.token) {
    const begun = await send("POST", tools.dataset.beginUrl, JSON.stringify({kind: record.kind, header: record.header,
      header_sig: record.headerSig, sealer: record.sealer, size: total}), {"Content-Type": "application/json"});
    record.token = begun.token;
    await putPending(record);
  }
  const pieceUrl = tools.dataset.uploadUrl.replace("TOKEN", record.token);
  while (received < total) {
    const end = Math.min(total, received + data.piece);
    const base = received;
    try {
      received = (await putPiece(`${pieceUrl}?offset=${base}`, record.envelope.slice(base, end),
        (loaded) => progress(`${label} (${record.kind})`, base + loaded, total))).received;
    } catch (error) {
      if (error.body && error.body.expected !== undefined) received = error.body.expected; // resync and go on
      else throw error;
    }
    progress(`${label} (${record.kind})`, received, total);
  }
  const done = await send("POST", tools.dataset.finishUrl.replace("TOKEN", record.token));
  const receipt = await verifyReceipt(done.receipt, {platformPk: fromHex(data.platform_pk), keyName: data.key_name,
    envelope: record.envelope});
  if (receipt.type !== "seal" || receipt.listing !== data.listing || receipt.bid_id !== record.id.split(":")[1]
      || receipt.kind !== record.kind) throw new Refused("RECEIPT_INVALID");
  await dropPending(record.id);
  return done;
}

function keepReceipt(done) {
  localStorage.setItem(`sunbid-receipt-${done.seq}`, JSON.stringify(done.receipt));
}

async function run(work) {
  $("seal-button").disabled = true;
  try {
    await work();
    say(msg("receipted"), true);
    setTimeout(() => window.location.reload(), 1500);
  } catch (error) {
    say(`${msg("failed")} ${error.code ? `${error.code}: ` : ""}${error.message || error}`, false);
    if (error.code === "WRONG_RECIPIENT") say(msg("fingerprint"), false);
  } finally {
    $("seal-button").disabled = false;
  }
}

$("bid-form").addEventListener("submit", (event) => {
  event.preventDefault();
  run(async () => {
    const form = formObject();
    const bidderKey = await openKey();
    let body;
    try {
      body = padForm(form, data.form_size);
    } catch {
      throw new Refused(msg("toolarge"));
    }
    const records = [await sealOne(body, "form", bidderKey)];
    const files = [...$("documents").files];
    if (files.length) records.push(await sealOne(await zipFiles(files), "docs", bidderKey));
    for (const record of records) keepReceipt(await upload(record, msg("uploading")));
  });
});

$("offline-form").addEventListener("submit", (event) => {
  event.preventDefault();
  run(async () => {
    const envelope = $("offline-envelope").files[0];
    const sig = $("offline-sig").files[0];
    if (!envelope || !sig) throw new Refused(msg("offline"));
    const kind = $("offline-kind").value;
    const header = new TextDecoder().decode(await readHeader(envelope));
    const record = {id: `${data.listing}:${data.bid_id}:${kind}`, kind, envelope, header,
      headerSig: (await sig.text()).trim().toLowerCase(), sealer: data.offline_sealer, token: null};
    keepReceipt(await upload(record, msg("offline")));
  });
});

const withdrawButton = $("withdraw-button");
if (withdrawButton) {
  withdrawButton.addEventListener("click", async () => {
    try {
      const bidderKey = await openKey();
      const request = await makeWithdrawal({listing: data.listing, bidder: data.bidder, bidId: data.bid_id,
        headers: data.current, bidderKey});
      const done = await send("POST", tools.dataset.withdrawUrl, JSON.stringify(request),
        {"Content-Type": "application/json"});
      await verifyReceipt(done.receipt, {platformPk: fromHex(data.platform_pk), keyName: data.key_name});
      keepReceipt(done);
      say(msg("withdrawn"), true);
      setTimeout(() => window.location.reload(), 1500);
    } catch (error) {
      say(`${msg("failed")} ${error.message || error}`, false);
    }
  });
}

// An upload left unfinished by a reload or a lost connection goes on by itself.
(async () => {
  const mine = (await allPending()).filter((record) => record.id.startsWith(`${data.listing}:${data.bid_id}:`));
  if (!mine.length) return;
  await run(async () => {
    for (const record of mine) keepReceipt(await upload(record, msg("resuming")));
  });
})();
