// The export's progress bar: poll its status until it is ready or failed.
(function () {
  "use strict";
  var box = document.getElementById("export");
  if (!box) return;
  function poll() {
    fetch(box.dataset.status, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      document.getElementById("export-progress").value = s.percent;
      document.getElementById("export-count").textContent = s.done + "/" + s.total;
      document.getElementById("export-error").textContent = s.error;
      if (s.state === "done") {
        document.getElementById("export-sha").textContent = s.sha256;
        document.getElementById("export-ready").hidden = false;
        document.getElementById("export-state").textContent = "✓";
      } else if (s.state !== "failed") {
        setTimeout(poll, 1000);
      }
    }).catch(function () { setTimeout(poll, 2000); });
  }
  if (box.dataset.state !== "done" && box.dataset.state !== "failed") poll();
})();
