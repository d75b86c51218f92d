// A custodian checks a share file against its published commitment (seal.md §9: "Custodians
// SHOULD check their file against c_x at once"), in this browser, with their own key file.
import {readKeyFile, readShareFile} from "./seal/index.js";

const tools = document.getElementById("share-tools");

for (const button of document.querySelectorAll(".check-share")) {
  button.addEventListener("click", async () => {
    const row = button.closest("tr");
    const verdict = row.querySelector(".verdict");
    try {
      const keyFile = document.getElementById("share-key-file").files[0];
      const opened = await readKeyFile(new Uint8Array(await keyFile.arrayBuffer()),
        document.getElementById("share-passphrase").value, {role: "custodian"});
      const share = new Uint8Array(await (await fetch(row.dataset.url, {credentials: "same-origin"})).arrayBuffer());
      const checked = await readShareFile(share, {custodianKey: opened.key, commit: row.dataset.commit});
      checked.y.fill(0);
      opened.privateKey.fill(0);
      verdict.textContent = tools.dataset.ok;
      verdict.className = "verdict badge ok";
    } catch (error) {
      verdict.textContent = `${tools.dataset.bad} ${error.code || error.message || error}`;
      verdict.className = "verdict badge bad";
    }
  });
}
