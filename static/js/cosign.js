// The supervisor's system for cosigning (chain.md §5), in the supervisor's browser:
//  1. check the platform's signature on the note, with the platform key pinned here on first use;
//  2. compare with the largest note this browser cosigned for the origin (localStorage):
//     a smaller size is refused, another root at the same size or a failed consistency proof
//     is a FORK: the alarm shows both notes and nothing is signed;
//  3. sign with the cosigner key file's Ed25519 seed and send only the line;
//  4. keep every note cosigned.
import {NoteError, cosignLine, parseNote, platformSigned, verifyConsistency} from "./audit/note.js";
import {readKeyFile} from "./seal/keyfile.js";
import {fromHex, toHex} from "./seal/hex.js";

const page = document.getElementById("cosign");
const status = document.getElementById("cosign-status");
const alarm = document.getElementById("fork-alarm");
const say = (text, good) => {
  status.textContent = text;
  status.className = good ? "badge ok" : "badge bad";
};
const storeKey = (origin) => `sunbid-cosigner:${origin}:${page.dataset.name}`;

function load(origin) {
  try {
    return JSON.parse(localStorage.getItem(storeKey(origin))) || {notes: [], platformPk: null};
  } catch {
    return {notes: [], platformPk: null};
  }
}

function raiseFork(previous, current) {
  alarm.hidden = false;
  alarm.querySelector(".previous").textContent = previous;
  alarm.querySelector(".current").textContent = current;
  say(page.dataset.fork, false);
}

async function check(noteText, kept) {
  const note = parseNote(noteText);
  if (note.origin !== page.dataset.origin) throw new NoteError(page.dataset.wrongOrigin);
  if (kept.platformPk && kept.platformPk !== page.dataset.platformPk) {
    raiseFork(`platform key ${kept.platformPk}`, `platform key ${page.dataset.platformPk}`);
    return null;
  }
  if (!await platformSigned(note, page.dataset.platformPk)) throw new NoteError(page.dataset.badSignature);
  // Any note kept at this size with another root is a fork, whichever was cosigned last.
  const clash = kept.notes.find((n) => n.size === note.size && n.root !== toHex(note.root));
  if (clash) {
    raiseFork(clash.note, noteText);
    return null;
  }
  const last = kept.notes.reduce((a, b) => (!a || b.size > a.size ? b : a), null);
  if (last) {
    if (note.size < last.size) throw new NoteError(page.dataset.smaller.replace("%s", last.size));
    const lastRoot = fromHex(last.root, 32, "root");
    if (note.size > last.size) {
      const response = await fetch(`${page.dataset.proofUrl}?old=${last.size}&new=${note.size}`);
      const proof = response.ok ? (await response.json()).proof.map((h) => fromHex(h, 32, "proof")) : null;
      if (!proof || !await verifyConsistency(last.size, note.size, lastRoot, note.root, proof)) {
        raiseFork(last.note, noteText);
        return null;
      }
    }
  }
  return note;
}

async function platformSeconds() {
  const now = await (await fetch(page.dataset.clockUrl)).json();
  return Math.floor(now.epoch_ms / 1000);
}

async function run(form) {
  const noteText = await (await fetch(page.dataset.noteUrl)).text();
  const kept = load(page.dataset.origin);
  say(page.dataset.checking, true);
  const note = await check(noteText, kept);
  if (!note) return;
  document.getElementById("checked").textContent = page.dataset.checked;
  const chosen = form.keyfile.files[0];
  say(page.dataset.working, true);
  const opened = await readKeyFile(new Uint8Array(await chosen.arrayBuffer()), form.passphrase.value, {role: "cosigner"});
  const line = await cosignLine(note, page.dataset.name, opened.privateKey, opened.pk,
    await platformSeconds());
  opened.privateKey.fill(0);
  const response = await fetch(page.dataset.postUrl, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-CSRFToken": form.csrfmiddlewaretoken.value},
    body: JSON.stringify({line}),
  });
  const answer = await response.json();
  if (!answer.ok) return say(answer.message, false);
  kept.platformPk = page.dataset.platformPk;
  kept.notes.push({size: note.size, root: toHex(note.root), note: `${noteText}${line}\n`});
  localStorage.setItem(storeKey(page.dataset.origin), JSON.stringify(kept));
  say(page.dataset.done, true);
  if (page.dataset.back) window.location.assign(page.dataset.back);
}

const form = document.getElementById("cosign-form");
form.addEventListener("submit", (event) => {
  event.preventDefault();
  run(event.target).catch((error) => {
    const text = error instanceof NoteError ? error.message
      : (error && error.code === "KEY_FILE" ? page.dataset.badFile : `${error.message || error}`);
    say(text, false);
  });
});
form.querySelector("button[type=submit]").disabled = false;
