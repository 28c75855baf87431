// Progressive enhancement: the reporting clock counts down live. Without script the server's
// figure (as of page load) stays, which is still right to the minute of loading.
(function () {
  function fmt(s) {
    if (s <= 0) return "overdue";
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return d ? d + " d " + h + " h " + m + " min left" : h + " h " + m + " min left";
  }
  var nodes = document.querySelectorAll("[data-clock-deadline]");
  if (!nodes.length) return;
  function tick() {
    nodes.forEach(function (n) {
      var t = Date.parse(n.getAttribute("data-clock-deadline"));
      if (!isNaN(t)) n.textContent = fmt((t - Date.now()) / 1000);
    });
  }
  setInterval(tick, 30000);
})();
