// The room's live grid: one socket per tile (ws/rooms/<room>/cameras/<camera>/). Frames are
// binary: 0x01, id length, id, rendition (u8), sequence (u32), capture time (u64 µs,
// platform time), then the JPEG (bidroom/capture/frames.py). Each shown frame returns a
// credit ({"type": "ack"}); tiles off screen, on another page of the grid or in a hidden
// tab pause. A click focuses a tile at the larger rendition.
(function () {
  "use strict";
  const grid = document.getElementById("live-grid");
  if (!grid) return;
  const room = grid.dataset.room;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  // Delay = platform time now − capture time. The demo offset is exact (the page has it);
  // the browser's clock is taken as synchronised with the server's (NTP; one machine in the
  // tests). If it is behind, fall back on the page-load skew estimate of clock.js.
  const offsetMs = Number(grid.dataset.platformOffsetMs) || 0;
  function delayMs(capturedMs) {
    const direct = Date.now() + offsetMs - capturedMs;
    if (direct >= 0 || !window.sunbidNow) return Math.max(0, Math.round(direct));
    return Math.max(0, Math.round(window.sunbidNow().getTime() - capturedMs));
  }

  function pad(n) { return String(n).padStart(2, "0"); }
  function beijing(iso) {
    const t = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    return t.getUTCFullYear() + "-" + pad(t.getUTCMonth() + 1) + "-" + pad(t.getUTCDate()) + " " +
      pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes()) + ":" + pad(t.getUTCSeconds());
  }

  class Tile {
    constructor(element) {
      this.element = element;
      this.camera = element.dataset.camera;
      this.img = element.querySelector("img");
      this.state = element.querySelector(".state");
      this.delay = element.querySelector(".delay");
      this.socket = null;
      this.visible = false;
      this.paused = true;
      this.refused = false;
      this.focused = false;
      this.url = null;
      this.delayShownAt = 0;
    }

    wanted() { return this.visible && !document.hidden && !this.element.classList.contains("off-page"); }

    update() {
      if (this.refused) return;
      const want = this.wanted();
      if (want && !this.socket) { this.open(); return; }
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return;
      if (want && this.paused) { this.send({type: "resume"}); this.paused = false; this.showState(""); }
      if (!want && !this.paused) { this.send({type: "pause"}); this.paused = true; this.showState(grid.dataset.tPaused); }
    }

    send(message) {
      if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
    }

    showState(text) { this.state.textContent = text; }

    open() {
      const socket = new WebSocket(scheme + location.host + "/ws/rooms/" + room + "/cameras/" +
                                   encodeURIComponent(this.camera) + "/");
      socket.binaryType = "arraybuffer";
      this.socket = socket;
      this.paused = false;
      socket.onopen = () => {
        if (this.focused) this.send({type: "focus", on: true});
        this.update();
      };
      socket.onmessage = (event) => {
        if (typeof event.data === "string") this.control(JSON.parse(event.data));
        else this.frame(event.data);
      };
      socket.onclose = () => {
        this.socket = null;
        if (!this.refused) setTimeout(() => this.update(), 2000);
      };
    }

    control(message) {
      if (message.type === "error") {
        this.refused = true;
        this.element.classList.add("offline");
        this.showState(message.message);
      } else if (message.type === "status") {
        this.element.classList.toggle("offline", !message.online);
        this.element.dataset.online = message.online ? "1" : "0";
        if (message.online) this.showState("");
        else if (message.since) this.showState(grid.dataset.tNoSignal.replace("{time}", beijing(message.since)));
        else this.showState(grid.dataset.tConnecting);
        if (!message.online) this.delay.textContent = "";
      } else if (message.type === "cameras.changed") {
        location.reload();
      }
    }

    frame(buffer) {
      const view = new DataView(buffer);
      if (view.getUint8(0) !== 1) return;
      const n = view.getUint8(1);
      const seq = view.getUint32(3 + n);
      const capturedMs = Number(view.getBigUint64(7 + n)) / 1000;
      const url = URL.createObjectURL(new Blob([new Uint8Array(buffer, 15 + n)], {type: "image/jpeg"}));
      const previous = this.url;
      this.url = url;
      this.img.src = url;
      const done = () => {
        if (previous) URL.revokeObjectURL(previous);
        this.element.dataset.seq = String(seq);
        const now = performance.now();
        if (now - this.delayShownAt > 250) {
          this.delayShownAt = now;
          const ms = delayMs(capturedMs);
          this.delay.textContent = grid.dataset.tDelay.replace("{ms}", String(ms));
          this.element.dataset.delayMs = String(ms);
        }
        this.send({type: "ack"});   // the credit back: the server sends the next frame
      };
      this.img.decode().then(done, done);
    }

    setFocus(on) {
      this.focused = on;
      this.element.classList.toggle("focused", on);
      this.send({type: "focus", on: on});
    }
  }

  const tiles = Array.from(grid.querySelectorAll(".tile")).map((element) => new Tile(element));
  const byElement = new Map(tiles.map((tile) => [tile.element, tile]));
  let layout = Number(grid.dataset.layout) || 4;
  let page = 0;

  function arrange() {
    const pages = Math.max(1, Math.ceil(tiles.length / layout));
    page = Math.min(Math.max(page, 0), pages - 1);
    grid.style.setProperty("--cols", String(Math.sqrt(layout)));
    tiles.forEach((tile, i) => tile.element.classList.toggle("off-page", Math.floor(i / layout) !== page));
    document.querySelectorAll("[data-layout]").forEach((button) => {
      if (button !== grid) button.classList.toggle("active", Number(button.dataset.layout) === layout);
    });
    tiles.forEach((tile) => tile.update());
  }

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const tile = byElement.get(entry.target);
      tile.visible = entry.isIntersecting;
      tile.update();
    }
  });
  tiles.forEach((tile) => observer.observe(tile.element));
  document.addEventListener("visibilitychange", () => tiles.forEach((tile) => tile.update()));

  grid.addEventListener("click", (event) => {
    const tile = byElement.get(event.target.closest(".tile"));
    if (!tile) return;
    const focusing = !tile.focused;
    tiles.forEach((other) => { if (other.focused) other.setFocus(false); });
    grid.classList.toggle("has-focus", focusing);
    if (focusing) tile.setFocus(true);
  });
  document.querySelectorAll("button[data-layout]").forEach((button) => button.addEventListener("click", () => {
    layout = Number(button.dataset.layout);
    arrange();
  }));
  document.querySelectorAll("button[data-page]").forEach((button) => button.addEventListener("click", () => {
    page += Number(button.dataset.page);
    arrange();
  }));
  arrange();
})();
