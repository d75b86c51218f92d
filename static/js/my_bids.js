// "My bids": check every receipt's signature in this browser against the pinned platform key.
import {fromHex, verifyReceipt} from "./seal/index.js";

const platform = JSON.parse(document.getElementById("platform-data").textContent);
const words = document.getElementById("verdicts").dataset;

for (const row of document.querySelectorAll("tr.receipt")) {
  const verdict = row.querySelector(".verdict");
  verifyReceipt(JSON.parse(row.dataset.receipt), {platformPk: fromHex(platform.platform_pk), keyName: platform.key_name})
    .then(() => { verdict.textContent = words.valid; verdict.className = "verdict badge ok"; })
    .catch(() => { verdict.textContent = words.invalid; verdict.className = "verdict badge bad"; });
}
