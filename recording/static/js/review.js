// The inspector's review page: play the segment that holds a moment, from that moment.
(function () {
  "use strict";
  var data = document.getElementById("segments");
  var player = document.getElementById("player");
  if (!data || !player) return;
  var segments = JSON.parse(data.textContent);
  var current = null;
  var nowPlaying = document.getElementById("now-playing");

  function play(segment, offset) {
    var seek = function () {
      player.currentTime = Math.max(0, Math.min(offset, (player.duration || offset + 1) - 0.05));
      player.play().catch(function () {});
    };
    if (current === segment) { seek(); return; }
    current = segment;
    nowPlaying.textContent = segment.camera + " #" + segment.seq;
    player.addEventListener("loadedmetadata", seek, { once: true });
    player.src = segment.url;
  }

  function at(ms, camera) {
    var candidates = segments.filter(function (s) { return !camera || s.camera === camera; });
    for (var i = 0; i < candidates.length; i++) {
      if (candidates[i].start <= ms && ms < candidates[i].end) return candidates[i];
    }
    return null;
  }

  document.querySelectorAll("a.event").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var ms = Number(link.dataset.ts);
      var segment = at(ms, current && current.camera) || at(ms, null);
      if (!segment) { nowPlaying.textContent = link.textContent + ": —"; return; }
      play(segment, (ms - segment.start) / 1000);
    });
  });
  document.querySelectorAll(".timeline .piece").forEach(function (piece) {
    piece.addEventListener("click", function () {
      var seq = Number(piece.dataset.seq);
      var segment = segments.filter(function (s) { return s.camera === piece.dataset.camera && s.seq === seq; })[0];
      if (segment) play(segment, 0);
    });
  });
})();
