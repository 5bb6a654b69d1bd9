// Export links: show that a file is being prepared, then that its download has started.
// The server answers an export with a short-lived cookie carrying the token the link sent;
// seeing it means the file's first bytes are on their way (the browser shows the rest).
(function () {
  "use strict";
  var COOKIE = "sf_download";

  function cookieValue() {
    var match = document.cookie.match(new RegExp("(?:^|; )" + COOKIE + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : null;
  }

  function show(status, text, busy) {
    status.textContent = "";
    if (busy) {
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm me-2";
      spinner.setAttribute("aria-hidden", "true");
      status.appendChild(spinner);
    }
    status.appendChild(document.createTextNode(text));
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-download]");
    if (!link) return;
    var box = link.closest("[data-downloads]");
    var status = box && box.querySelector(".download-status");
    if (!status) return;
    var token = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("download", token);
    link.href = url.toString();
    var label = link.textContent.trim();
    var started = Date.now();
    show(status, "Preparing " + label + "…", true);
    var timer = window.setInterval(function () {
      var seconds = Math.round((Date.now() - started) / 1000);
      if (cookieValue() === token) {
        window.clearInterval(timer);
        document.cookie = COOKIE + "=; Max-Age=0; path=/";
        show(status, label + ": download started after " + seconds + " s.", false);
        status.setAttribute("data-state", "started");
      } else if (seconds > 1800) {
        window.clearInterval(timer);
        show(status, label + ": no answer yet; try again later.", false);
      } else {
        show(status, "Preparing " + label + "… " + seconds + " s", true);
      }
    }, 500);
  });
})();
