// Live draw pages: a frame on the draw's socket says something changed; the page refetches
// its state over HTTP (where the viewer's permissions apply) and swaps it in. On a dropped
// socket it reconnects and refetches, since frames are delivered at most once.
const box = document.getElementById("live-state");

async function refresh() {
  const response = await fetch(box.dataset.fragment, {credentials: "same-origin"});
  if (response.ok) box.innerHTML = await response.text();
}

function connect(delay = 1000) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}${box.dataset.ws}`);
  socket.onopen = () => { box.dataset.live = "1"; };
  socket.onmessage = () => { refresh(); };
  socket.onclose = () => {
    box.dataset.live = "0";
    setTimeout(() => { refresh(); connect(Math.min(delay * 2, 30000)); }, delay);
  };
}

connect();
