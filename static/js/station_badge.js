// The operator at a station device. A badge card scanned on the scan screen goes through the
// screen's queue like a scan (scan_screen.js); its answer names the new operator, and brings
// the CSRF token of the new sign-in, which the next queued scan must carry. A screen signed in
// by badge (or by password on a device bound to the station) locks itself ("scan your badge")
// after the idle time without a scan; the server
// ends an idle badge session on its own as well, so a screen whose clock or script stopped
// never scans for the operator who walked away.
(function () {
  "use strict";

  const screen = document.getElementById("scan-screen");
  const box = document.getElementById("station-operator");
  if (!screen || !box) {
    return;
  }
  const name = box.querySelector("[data-testid=operator-name]");
  const lockForm = document.getElementById("station-lock-form");
  const idleMs = Number(box.dataset.idleLockSeconds) * 1000;
  let lastScan = Date.now();

  function lock(idle) {
    if (!lockForm) {
      return;
    }
    lockForm.querySelector("input[name=idle]").value = idle ? "1" : "0";
    lockForm.submit();
  }

  function setCsrfToken(token) {
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (field) {
      field.value = token;
    });
    document.body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": token }));
  }

  screen.addEventListener("scan:answered", function (event) {
    const answer = event.detail || {};
    lastScan = Date.now();
    if (answer.status === "signed_in") {
      setCsrfToken(answer.csrf_token);
      name.textContent = answer.operator;
      const header = document.querySelector("[data-testid=signed-in-as]");
      if (header) {
        header.textContent = answer.operator;
      }
      box.dataset.byBadge = "true";
    } else if (answer.code === "station_locked" || answer.code === "pin_required") {
      // Signed out by the server: the lock screen asks for the badge (or the PIN).
      window.location.assign(box.dataset.badgeUrl);
    }
  });

  document.addEventListener(
    "keydown",
    function (event) {
      if (event.key === "Enter") {
        lastScan = Date.now();
      } else if (event.key === "F10" && lockForm) {
        event.preventDefault();
        lock(false);
      }
    },
    true
  );

  if (lockForm && idleMs > 0) {
    window.setInterval(function () {
      const locks = box.dataset.byBadge === "true" || box.dataset.idleLocks === "true";
      if (locks && Date.now() - lastScan > idleMs) {
        lock(true);
      }
    }, 1000);
  }
})();
