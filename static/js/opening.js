// The opening page (seal.md §7), live over a WebSocket: the socket says "changed" and this
// page refetches its state over HTTP, where the viewer's permissions apply. Bidders unwrap
// their K_b and custodians their shares HERE, with their key files; only stanzas wrapped to
// the opening worker's one-time key are sent. Receipts and the record's signature are
// checked in this browser against the platform key.
import {ed25519VerifyStrict, fromHex, parseHeader, readKeyFile, readShareFile, sha256, shareToOpening, toHex,
  unwrapForOpening, verifyReceipt} from "./seal/index.js";

const root = document.getElementById("opening");
const msg = (name) => root.dataset[`msg${name.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`];
const $ = (id) => document.getElementById(id);
let state = null;
let skew = 0; // server time − this machine's time, ms
const RECORD = new TextEncoder().encode("sunbid-seal/1 record\n");

function el(tag, {dataset, ...props} = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset || {});
  for (const child of children) node.append(child);
  return node;
}

async function call(url, body, method = "POST") {
  const response = await fetch(url, {method, credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf},
    body: method === "POST" ? JSON.stringify(body || {}) : undefined});
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(answer.message || response.statusText), {body: answer});
  return answer;
}

async function refresh() {
  const response = await fetch(root.dataset.stateUrl, {credentials: "same-origin"});
  if (!response.ok) return;
  state = await response.json();
  skew = state.now - Date.now();
  render();
}

let pending = null;
function refreshSoon() {
  clearTimeout(pending);
  pending = setTimeout(refresh, 150);
}

// Rendering -------------------------------------------------------------------------------------

function render() {
  const steps = $("steps");
  steps.replaceChildren(...state.steps.map((step) => el("li", {
    textContent: step.label, className: step.state === state.state ? "current" : ""})));
  $("state-label").textContent = state.state_label;
  $("attempt").textContent = state.attempt;
  $("opening-fp").textContent = state.opening_fp || "—";
  $("failed").hidden = !state.failed.reason;
  $("failed-text").textContent = state.failed.reason ? `${state.failed.code}: ${state.failed.reason}` : "";
  renderCosign();
  $("present").replaceChildren(...(state.present.length ? state.present.map((p) => el("li", {
    textContent: `${p.name}（${p.role}）`})) : [el("li", {textContent: msg("none")})]));
  renderEnvelopes();
  $("shares").replaceChildren(...state.shares.map((s) => el("li", {
    textContent: `${s.kind} x=${s.x} ${s.custodian}: ${s.state}${s.code ? ` (${s.code})` : ""}`})));
  renderBidder();
  renderCustodian();
  renderPrices();
  renderRecord();
  if (state.archive) {
    $("archive-card").hidden = false;
    $("archive").textContent = JSON.stringify(state.archive, null, 2);
  }
  tick();
}

function renderCosign() {
  const out = $("cosign");
  const cosign = state.cosign;
  out.replaceChildren();
  if (cosign.cosigned) out.textContent = msg("cosigned");
  else if (cosign.cosign_url) out.append(el("a", {href: cosign.cosign_url, textContent: msg("cosign"), id: "cosign-link"}));
  else if (state.state === "cosign") out.textContent = `${msg("waitingCosign")} (${cosign.supervisor})`;
}

function renderEnvelopes() {
  const body = $("envelopes").querySelector("tbody");
  body.replaceChildren(...state.envelopes.map((e) => {
    const bar = el("progress", {max: e.total, value: e.done, id: `progress-${e.id}`});
    const percent = el("span", {id: `percent-${e.id}`, textContent: ` ${Math.floor((100 * e.done) / e.total)}%`});
    const result = e.outcome ? `${e.outcome_text}${e.code ? ` ${e.code}${e.chunk !== null ? ` chunk=${e.chunk}` : ""}` : ""}` : "";
    return el("tr", {dataset: {id: e.id}},
      el("td", {textContent: e.bidder}), el("td", {textContent: e.kind}), el("td", {textContent: e.seq}),
      el("td", {className: "mono", textContent: e.envelope_sha256.slice(0, 16) + "…", title: e.envelope_sha256}),
      el("td", {textContent: e.key_in ? msg("keyIn") : msg("keyMissing")}),
      el("td", {}, bar, percent), el("td", {className: "result", textContent: result}));
  }));
}

async function renderBidder() {
  const part = state.bidder;
  $("bidder-card").hidden = !part || !part.envelopes.length || state.state !== "keys";
  if (!part) return;
  const list = $("bidder-results");
  if (list.dataset.lock !== String(state.lock_seq)) { // locked again: what was given before is void
    list.dataset.lock = String(state.lock_seq);
    if (!list.dataset.busy) list.replaceChildren();
  }
  const submitted = part.envelopes.filter((e) => e.submission);
  if (!submitted.length || list.dataset.busy) return;
  // Rebuilt from the state on every refresh: an accepted part shows its key receipt, checked
  // again in this browser, so the verified receipt stays on the page.
  const platform = {platformPk: fromHex(state.platform_pk, 32), keyName: state.key_name};
  const rows = await Promise.all(submitted.map(async (e) => {
    const s = e.submission;
    const verified = s.state === "accepted" && s.receipt !== null &&
      await verifyReceipt(s.receipt, platform).then(() => true, () => false);
    return el("li", {
      className: verified ? "submission badge ok" : s.state === "refused" ? "submission badge bad" : "submission",
      dataset: {kind: e.kind, state: s.state},
      textContent: verified ? `${e.kind}: ${msg("accepted")} seq ${s.receipt.audit_seq}`
        : `${e.kind}: ${s.state}${s.code ? ` (${s.code})` : ""}`});
  }));
  if (!list.dataset.busy) list.replaceChildren(...rows);
}

function renderCustodian() {
  const parts = state.custodian || [];
  $("custodian-card").hidden = !parts.length || state.state !== "shares";
}

function renderPrices() {
  if (!state.prices) return;
  $("prices-card").hidden = false;
  $("prices").querySelector("tbody").replaceChildren(...state.prices.map((p) => el("tr", {},
    el("td", {textContent: `${p.bidder}（${p.credit_code}）`}), el("td", {className: "price", textContent: p.price || "—"}),
    el("td", {textContent: p.duration || "—"}), el("td", {textContent: p.remarks || ""}),
    el("td", {className: "outcome", textContent: p.outcome_text}))));
  const failed = (state.bidder?.envelopes || []).filter((e) => e.k_l);
  $("mine-failed").replaceChildren(...failed.map((e) => el("li", {},
    `${e.kind} ${e.code}. ${msg("recheck")} `,
    el("code", {textContent: `python -m trading.seal open --k-l ${e.k_l} --k-b <K_b> ENVELOPE OUT`}))));
}

async function renderRecord() {
  if (!state.record) return;
  $("record-card").hidden = false;
  $("record-link").href = state.record.url;
  $("record-sha").textContent = state.record.sha256;
  $("record-sig").textContent = state.record.sig;
  $("respond").hidden = !state.can_respond;
  $("responses").replaceChildren(...state.responses.map(responseItem));
  const verified = $("record-verified");
  if (verified.dataset.sha === state.record.sha256) return;
  verified.dataset.sha = state.record.sha256;
  const pdf = new Uint8Array(await (await fetch(state.record.url, {credentials: "same-origin"})).arrayBuffer());
  const digest = await sha256(pdf);
  const message = new Uint8Array([...RECORD, ...digest]);
  const ok = toHex(digest) === state.record.sha256 &&
    await ed25519VerifyStrict(fromHex(state.platform_pk, 32), fromHex(state.record.sig, 64), message);
  verified.textContent = ok ? msg("recordOk") : msg("recordBad");
  verified.className = ok ? "badge ok" : "badge bad";
  verified.id = "record-verified";
}

function responseItem(r) {
  const item = el("li", {className: `response ${r.kind}`},
    `${r.bidder}: ${r.kind === "confirm" ? msg("confirmed") : `${msg("objection")}: ${r.text}`}`);
  if (r.answer) item.append(el("div", {className: "answer", textContent: `${msg("answer")}: ${r.answer}`}));
  if (r.can_answer) {
    const text = el("textarea", {rows: 2, cols: 50, className: "answer-text"});
    const button = el("button", {type: "button", textContent: msg("answerButton"), className: "answer-button"});
    button.addEventListener("click", () => act(
      () => call(root.dataset.answerUrl.replace("/0/", `/${r.id}/`), {text: text.value})));
    item.append(el("div", {}, text, button));
  }
  return item;
}

// Countdowns ------------------------------------------------------------------------------------

function tick() {
  if (!state) return;
  const until = {keys: state.keys_close_at, shares: state.shares_close_at, confirming: state.confirm_until}[state.state];
  const out = $("countdown");
  if (!until) {
    out.textContent = "";
    return;
  }
  const left = Math.max(0, Math.round((until - (Date.now() + skew)) / 1000));
  out.textContent = left ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} ${msg("remaining")}` : msg("closed");
}
setInterval(tick, 1000);

// Bidders: K_b -----------------------------------------------------------------------------------

function note(listId, text, good) {
  const list = $(listId);
  list.append(el("li", {textContent: text, className: good === undefined ? "" : good ? "badge ok" : "badge bad"}));
}

async function waitFor(url) {
  for (;;) {
    const answer = await call(url, null, "GET");
    if (answer.state !== "pending") return answer;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function sendPart(kind, body, statusBase) {
  const sent = await call(root.dataset.keyUrl, {lock_seq: state.lock_seq, ...body});
  note("bidder-results", `${kind}: ${msg("sent")}`);
  const decided = await waitFor(`${statusBase}${sent.id}/`);
  if (decided.state !== "accepted") throw Object.assign(new Error(decided.code), {code: decided.code});
  await verifyReceipt(decided.receipt, {platformPk: fromHex(state.platform_pk, 32), keyName: state.key_name});
  note("bidder-results", `${kind}: ${msg("accepted")} seq ${decided.receipt.audit_seq}`, true);
}

async function submitParts() {
  const list = $("bidder-results");
  list.dataset.busy = "1";
  list.replaceChildren();
  let opened;
  try {
    const file = $("bidder-key-file").files[0];
    note("bidder-results", msg("unwrapping"));
    try {
      opened = await readKeyFile(new Uint8Array(await file.arrayBuffer()), $("bidder-passphrase").value, {role: "bidder"});
    } catch (e) {
      throw Object.assign(new Error(msg("keyfile")), {code: "KEY_FILE", shown: true});
    }
    for (const envelope of state.bidder.envelopes) {
      if (envelope.submission && envelope.submission.state === "accepted") continue;
      const header = await parseHeader(new TextEncoder().encode(envelope.header));
      const made = await unwrapForOpening({header, receipts: state.bidder.receipts, listing: state.lot,
        platformPk: fromHex(state.platform_pk, 32), keyName: state.key_name, bidderKey: opened.key,
        openingPk: fromHex(state.opening_pk, 65)});
      await sendPart(envelope.kind, made, `${root.dataset.keyUrl}`);
    }
  } catch (e) {
    note("bidder-results", e.shown ? e.message : `${msg("refused")} ${e.code || ""} ${e.message}`, false);
  } finally {
    if (opened) opened.privateKey.fill(0);
    delete list.dataset.busy;
  }
}

async function submitOffline() {
  const file = $("bidder-offline").files[0];
  try {
    const made = JSON.parse(await file.text());
    await sendPart(made.submission.kind, {submission: made.submission, stanza: made.stanza}, root.dataset.keyUrl);
  } catch (e) {
    note("bidder-results", `${msg("refused")} ${e.code || ""} ${e.message}`, false);
  }
}

// Custodians: shares -----------------------------------------------------------------------------

async function submitShares() {
  $("custodian-results").replaceChildren();
  let opened;
  try {
    const file = $("custodian-key-file").files[0];
    try {
      opened = await readKeyFile(new Uint8Array(await file.arrayBuffer()), $("custodian-passphrase").value,
        {role: "custodian"});
    } catch (e) {
      throw Object.assign(new Error(msg("keyfile")), {shown: true});
    }
    for (const part of state.custodian) {
      if (part.submission && part.submission.state === "accepted") continue;
      const share = await readShareFile(part.file, {custodianKey: opened.key, commit: part.commit});
      const stanza = await shareToOpening({y: share.y, x: share.x, custodian: share.custodian, kind: share.kind,
        listing: share.listing, openingPk: fromHex(state.opening_pk, 65)});
      share.y.fill(0);
      const sent = await call(root.dataset.shareUrl, {lock_seq: state.lock_seq, kind: part.kind, x: part.x, stanza});
      note("custodian-results", `${part.kind} x=${part.x}: ${msg("sent")}`);
      const decided = await waitFor(`${root.dataset.shareUrl}${sent.id}/`);
      note("custodian-results", decided.state === "accepted" ? `${part.kind}: ${msg("shareAccepted")}`
        : `${part.kind}: ${msg("refused")} ${decided.code}`, decided.state === "accepted");
    }
  } catch (e) {
    note("custodian-results", e.shown ? e.message : `${msg("refused")} ${e.code || ""} ${e.message}`, false);
  } finally {
    if (opened) opened.privateKey.fill(0);
  }
}

// The record: confirm or object -------------------------------------------------------------------

async function act(doIt) {
  const out = $("respond-result");
  try {
    await doIt();
    out.textContent = "";
    refreshSoon();
  } catch (e) {
    out.textContent = e.message;
    out.className = "badge bad";
  }
}

$("bidder-submit").addEventListener("click", submitParts);
$("bidder-offline").addEventListener("change", submitOffline);
$("custodian-submit").addEventListener("click", submitShares);
$("confirm").addEventListener("click", () => act(() => call(root.dataset.confirmUrl, {})));
$("object").addEventListener("click", () => act(() => call(root.dataset.objectUrl, {text: $("objection-text").value})));

// Live -------------------------------------------------------------------------------------------

function connect() {
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${root.dataset.socket}`);
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "opening.progress" && state) {
      for (const [id, done] of Object.entries(message.progress)) {
        const bar = $(`progress-${id}`);
        if (!bar) continue;
        bar.value = done;
        $(`percent-${id}`).textContent = ` ${Math.floor((100 * done) / bar.max)}%`;
      }
    } else {
      refreshSoon();
    }
  });
  socket.addEventListener("open", refreshSoon);
  socket.addEventListener("close", () => setTimeout(connect, 2000));
}
connect();
refresh();
