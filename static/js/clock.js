// Platform time in the browser: the server's clock (with the demo offset), never the
// browser's own, so a countdown or a stamped signature agrees with the server.
(function () {
  "use strict";
  const body = document.body;
  let skewMs = Number(body.dataset.platformEpochMs) - Date.now();
  window.sunbidNow = function () { return new Date(Date.now() + skewMs); };

  const shown = document.getElementById("platform-time");
  function pad(n) { return String(n).padStart(2, "0"); }
  function render() {
    if (!shown) return;
    // Beijing time whatever the browser's zone: UTC+8, no daylight saving.
    const t = new Date(window.sunbidNow().getTime() + 8 * 3600 * 1000);
    shown.textContent = t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) +
      " " + pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes()) + ":" + pad(t.getUTCSeconds());
  }
  async function resync() {
    const response = await fetch("/audit/clock/now/", {credentials: "same-origin"});
    if (response.ok) {
      const data = await response.json();
      skewMs = data.epoch_ms - Date.now();
      render();
      document.dispatchEvent(new CustomEvent("sunbid:clock", {detail: data}));
    }
  }
  function listen() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/clock/");
    socket.onmessage = function (message) {
      if (JSON.parse(message.data).type === "clock.changed") resync();
    };
    socket.onclose = function () { setTimeout(listen, 3000); };
  }
  render();
  setInterval(render, 1000);
  if (shown) listen();
})();
