// The personal key page: make a key in this browser (the private key leaves it only inside a
// passphrase-protected key file the owner downloads), register its public key, and test a
// key file against the registered keys at any time.
import {fingerprint, makeKeyFile, newKeyPair, readKeyFile, toHex} from "./seal/index.js";

const subtle = crypto.subtle;
const page = document.getElementById("key-tools");
const say = (id, text, good) => {
  const out = document.getElementById(id);
  out.textContent = text;
  out.className = good ? "badge ok" : "badge bad";
};

// Ed25519 for cosigners: the seed is the last 32 bytes of the PKCS#8 export.
async function newCosignerKey() {
  const pair = await subtle.generateKey({name: "Ed25519"}, true, ["sign", "verify"]);
  const pkcs8 = new Uint8Array(await subtle.exportKey("pkcs8", pair.privateKey));
  return {sk: pkcs8.slice(-32), pk: new Uint8Array(await subtle.exportKey("raw", pair.publicKey))};
}

function download(name, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], {type: "application/json"}));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

document.getElementById("make-key").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const purpose = form.purpose.value;
  if (form.passphrase.value !== form.passphrase2.value) return say("make-result", page.dataset.differ, false);
  say("make-result", page.dataset.working, true);
  try {
    const {sk, pk} = purpose === "cosigner" ? await newCosignerKey() : await newKeyPair();
    // An inspector's archive key is a P-256 scalar like a custodian's (seal.md §9 key-file roles).
    const role = purpose === "archive" ? "custodian" : purpose;
    const file = await makeKeyFile({role, owner: page.dataset.owner, privateKey: sk, passphrase: form.passphrase.value});
    sk.fill(0);
    download(`sunbid-${purpose}-${page.dataset.owner}.key.json`, new TextDecoder().decode(file));
    const register = document.getElementById("register-form");
    register.purpose.value = purpose;
    register.public_key.value = toHex(pk);
    register.submit();
  } catch (error) {
    say("make-result", `${page.dataset.failed} ${error.message || error}`, false);
  }
});

document.getElementById("test-key").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const chosen = form.keyfile.files[0];
  if (!chosen) return;
  say("test-result", page.dataset.working, true);
  try {
    const opened = await readKeyFile(new Uint8Array(await chosen.arrayBuffer()), form.passphrase.value);
    const fp = await fingerprint(opened.pk);
    const registered = (await (await fetch(page.dataset.keysUrl, {credentials: "same-origin"})).json()).keys;
    const match = registered.find((key) => key.fingerprint === fp);
    if (!match) return say("test-result", page.dataset.nomatch.replace("%s", fp), false);
    say("test-result", (match.current ? page.dataset.current : page.dataset.replaced).replace("%s", fp), match.current);
  } catch (error) {
    say("test-result", page.dataset.badfile, false);
  }
});
