// The line TV: shows a page of parts at a time and turns to the next every few seconds,
// redraws the figures on each refresh, keeps the screen awake (Screen Wake Lock API where
// the browser has it) and goes full screen on the first key or click. A revoked link is
// refused on the next refresh and the page then says so. Its words come from the scripts'
// catalog (/jsi18n/), loaded before it, in the language the page was drawn in.
(function () {
  "use strict";

  const body = document.body;
  const screen = document.getElementById("tv-screen");
  const refreshSeconds = Number(body.dataset.refreshSeconds) || 5;
  const pageSeconds = Number(body.dataset.pageSeconds) || 15;
  const perPage = Number(body.dataset.perPage) || 8;
  let page = 0;

  function showPage() {
    const tiles = screen.querySelectorAll("[data-testid='tv-part']");
    const pages = Math.max(1, Math.ceil(tiles.length / perPage));
    page = page % pages;
    tiles.forEach(function (tile, index) {
      tile.hidden = Math.floor(index / perPage) !== page;
    });
    const label = screen.querySelector("[data-testid='tv-page']");
    if (label) {
      label.textContent =
        pages > 1
          ? interpolate(gettext("Page %(page)s of %(pages)s"), { page: page + 1, pages: pages }, true)
          : "";
    }
    return pages;
  }

  async function refresh() {
    let response;
    try {
      // No cookie goes with the refresh: the page's own language asks for the same words.
      response = await fetch(window.location.href, {
        headers: { "HX-Request": "true", "Accept-Language": document.documentElement.lang },
        cache: "no-store",
        credentials: "omit",
      });
    } catch (error) {
      body.classList.add("tv-stale"); // the server is out of reach: keep the last figures
      return;
    }
    if (response.status === 403) {
      window.location.reload(); // revoked: the server answers with the page that says so
      return;
    }
    if (!response.ok) {
      body.classList.add("tv-stale");
      return;
    }
    screen.innerHTML = await response.text();
    body.classList.remove("tv-stale");
    showPage();
  }

  let wakeLock = null;
  async function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") {
      body.dataset.wakeLock = "unavailable";
      return;
    }
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      body.dataset.wakeLock = "held";
      wakeLock.addEventListener("release", function () {
        body.dataset.wakeLock = "released";
      });
    } catch (error) {
      body.dataset.wakeLock = "refused"; // e.g. a power-saving mode; the page still refreshes
    }
  }
  // The browser releases the lock when the page is hidden; take it again when it is back.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      keepAwake();
    }
  });

  function fullScreen() {
    if (!document.fullscreenElement && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  }
  document.addEventListener("click", fullScreen);
  document.addEventListener("keydown", fullScreen);

  showPage();
  keepAwake();
  window.setInterval(refresh, refreshSeconds * 1000);
  window.setInterval(function () {
    page += 1;
    showPage();
  }, pageSeconds * 1000);
})();
