// The scan screen: the USID field keeps the focus, clears as soon as a scan is sent, and each
// answer sounds its own tone (made with the Web Audio API; no audio files), unless muted.
(function () {
  "use strict";

  const form = document.getElementById("scan-form");
  const input = document.getElementById("scan-code");
  if (!form || !input) {
    return;
  }
  const muteButton = document.getElementById("scan-mute");
  const MUTE_KEY = "shopfloor.scan.muted";
  const TONES = {
    recorded: [{ freq: 1320, seconds: 0.12, type: "sine" }],
    already_recorded: [
      { freq: 660, seconds: 0.1, type: "triangle" },
      { gap: 0.07 },
      { freq: 660, seconds: 0.1, type: "triangle" },
    ],
    refused: [{ freq: 180, seconds: 0.5, type: "square" }],
    waiting: [{ freq: 990, seconds: 0.06, type: "sine" }],
  };
  let audio = null;

  function modalOpen() {
    return document.querySelector(".modal.show") !== null;
  }

  function focusInput() {
    if (document.activeElement !== input && !modalOpen()) {
      input.focus({ preventScroll: true });
    }
  }

  function isMuted() {
    return window.localStorage.getItem(MUTE_KEY) === "1";
  }

  function showMuted() {
    const muted = isMuted();
    muteButton.setAttribute("aria-pressed", muted ? "true" : "false");
    muteButton.textContent = muted ? "Sound off" : "Sound on";
  }

  function play(status) {
    document.body.dataset.lastSound = isMuted() ? "muted" : status;
    const tones = TONES[status];
    if (!tones || isMuted()) {
      return;
    }
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) {
      return;
    }
    audio = audio || new AudioContext();
    let at = audio.currentTime + 0.01;
    for (const tone of tones) {
      if (tone.gap) {
        at += tone.gap;
        continue;
      }
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.type = tone.type;
      oscillator.frequency.value = tone.freq;
      gain.gain.setValueAtTime(0.25, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + tone.seconds);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + tone.seconds);
      at += tone.seconds;
    }
  }

  function choose(result) {
    const radio = document.getElementById("result-" + result);
    if (radio) {
      radio.checked = true;
    }
  }

  function resetChoices() {
    choose("pass");
    const defect = document.getElementById("scan-defect");
    if (defect) {
      defect.value = "";
    }
  }

  function cancelPending() {
    const pending = form.querySelector("input[name=pending_usid]");
    const prompt = document.querySelector("[data-testid=waiting-for-tag]");
    if (pending) {
      pending.value = "";
    }
    if (prompt) {
      prompt.remove();
    }
  }

  function showFailure(message) {
    const result = document.getElementById("scan-result");
    result.className = "scan-result scan-result-refused";
    result.dataset.status = "refused";
    result.innerHTML =
      '<div class="scan-result-word">Not recorded</div><div class="scan-result-message"></div>';
    result.querySelector(".scan-result-message").textContent = message;
    play("refused");
  }

  // Buttons and labels never take the focus from the USID field: a scanner may type the
  // next code a few milliseconds after a tap, and it must land in the field.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest("button, label, .btn") && !event.target.closest(".modal")) {
      event.preventDefault();
    }
  });
  // Focus comes back to the USID field after any click, and after a choice in a list.
  document.addEventListener("click", function (event) {
    if (event.target.closest("select, .modal, [data-bs-toggle=modal]")) {
      return;
    }
    if (event.target.closest("[data-scan-cancel]")) {
      cancelPending();
    }
    focusInput();
    window.setTimeout(focusInput, 0);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select, input[type=radio]")) {
      window.setTimeout(focusInput, 0);
    }
  });
  input.addEventListener("blur", function () {
    window.setTimeout(function () {
      const active = document.activeElement;
      if (!active || active === document.body) {
        focusInput();
      }
    }, 200);
  });
  document.addEventListener("hidden.bs.modal", focusInput);

  document.addEventListener("keydown", function (event) {
    if (event.key === "F2") {
      event.preventDefault();
      choose("pass");
      focusInput();
    } else if (event.key === "F4") {
      event.preventDefault();
      choose("fail");
      focusInput();
    } else if (event.key === "Escape" && !modalOpen()) {
      cancelPending();
      focusInput();
    }
  });

  // The value has been read into the request: clear the field for the next scan at once.
  form.addEventListener("htmx:beforeRequest", function () {
    input.value = "";
  });
  form.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) {
      const status = document.getElementById("scan-result").dataset.status;
      if (status !== "waiting") {
        resetChoices();
      }
      play(status);
    }
    focusInput();
  });
  form.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr.status;
    showFailure(
      status === 403
        ? "Not recorded: you are signed out or may not scan here. Sign in again."
        : "Not recorded: the server answered with an error (" + status + "). Scan again."
    );
  });
  form.addEventListener("htmx:sendError", function () {
    showFailure("Not recorded: no answer from the server. Check the network and scan again.");
  });

  muteButton.addEventListener("click", function () {
    window.localStorage.setItem(MUTE_KEY, isMuted() ? "0" : "1");
    showMuted();
  });
  showMuted();
  focusInput();
})();
