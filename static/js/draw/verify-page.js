// "Verify in this browser" on a draw's public page: the secret against the commitment, and
// where the candidates are public, the whole draw recomputed (static/js/draw/draw.js).
import {verifyPublished} from "./draw.js";

const button = document.getElementById("verify-button");
const out = document.getElementById("verify-result");

button?.addEventListener("click", async () => {
  out.textContent = "…";
  try {
    const state = await (await fetch(button.dataset.url)).json();
    const outcome = await verifyPublished(state);
    if (!outcome.ok) {
      out.textContent = `${button.dataset.failed} ${outcome.code}`;
      out.className = "badge bad";
      return;
    }
    out.textContent = outcome.recomputed ? button.dataset.recomputed : button.dataset.commitOnly;
    out.className = "badge ok";
  } catch (error) {
    out.textContent = `${button.dataset.failed} ${error.message || error}`;
    out.className = "badge bad";
  }
});
