// Camera scanning for tablets without a scanner: the camera's picture is read for Code 128,
// DataMatrix and QR codes through the browser's BarcodeDetector, or, where the browser has
// none, through the vendored ZXing WebAssembly ponyfill served by this app. Each code read
// goes into the scan screen's queue exactly as a scanner's Enter would (scan_screen.js).
(function () {
  "use strict";

  const screen = document.getElementById("scan-screen");
  const button = document.getElementById("scan-camera");
  const dialog = document.getElementById("scan-camera-dialog");
  if (!screen || !button || !dialog) {
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return; // no camera access here (an insecure origin, or no camera API): no button
  }
  const video = dialog.querySelector("video");
  const status = dialog.querySelector("[data-camera-status]");
  const FORMATS = ["code_128", "data_matrix", "qr_code"];
  const EVERY_MS = 150;
  const SAME_CODE_AGAIN_MS = 2500; // the same label held in view is one scan
  let detector = null;
  let stream = null;
  let timer = null;
  let seen = new Map(); // code -> when it was last in view

  function loadPonyfill() {
    if (window.BarcodeDetectionAPI) {
      return Promise.resolve(window.BarcodeDetectionAPI);
    }
    return new Promise(function (resolve, reject) {
      const script = document.createElement("script");
      script.src = button.dataset.ponyfillUrl;
      script.onload = function () {
        resolve(window.BarcodeDetectionAPI);
      };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function makeDetector() {
    if (detector) {
      return Promise.resolve(detector);
    }
    const native = window.BarcodeDetector;
    const nativeFormats = native && native.getSupportedFormats ? native.getSupportedFormats() : Promise.resolve([]);
    return nativeFormats.then(function (supported) {
      if (native && FORMATS.every(function (f) { return supported.indexOf(f) !== -1; })) {
        detector = new native({ formats: FORMATS });
        return detector;
      }
      return loadPonyfill().then(function (api) {
        api.prepareZXingModule({
          overrides: {
            locateFile: function (path, prefix) {
              return path.endsWith(".wasm") ? button.dataset.wasmUrl : prefix + path;
            },
          },
        });
        detector = new api.BarcodeDetector({ formats: FORMATS });
        return detector;
      });
    });
  }

  function say(text) {
    status.textContent = text;
  }

  function read() {
    if (!stream) {
      return;
    }
    detector
      .detect(video)
      .then(function (codes) {
        const now = Date.now();
        for (const code of codes) {
          const text = code.rawValue;
          if (!text) {
            continue;
          }
          const before = seen.get(text);
          seen.set(text, now);
          if (before === undefined || now - before > SAME_CODE_AGAIN_MS) {
            screen.dispatchEvent(new CustomEvent("scan:decoded", { detail: { text: text } }));
            say(interpolate(gettext("Read %(code)s. Hold the next label in view."), { code: text }, true));
          }
        }
      })
      .catch(function (error) {
        // The reader could not start (e.g. a policy forbids compiling WebAssembly): say so
        // rather than showing a camera that never reads.
        if (error && error.name === "NotSupportedError") {
          say(
            interpolate(
              gettext("The camera's code reader cannot run here: %(problem)s Scan with the scanner or type the USID."),
              { problem: error.message },
              true
            )
          );
          stop();
        }
      })
      .finally(function () {
        if (stream) {
          timer = window.setTimeout(read, EVERY_MS);
        }
      });
  }

  function start() {
    say(gettext("Starting the camera…"));
    Promise.all([
      makeDetector(),
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }),
    ])
      .then(function (ready) {
        stream = ready[1];
        video.srcObject = stream;
        return video.play();
      })
      .then(function () {
        seen = new Map();
        say(gettext("Hold a label in view: Code 128, DataMatrix or QR."));
        read();
      })
      .catch(function (error) {
        stop();
        say(
          interpolate(
            gettext("The camera cannot be used: %(problem)s. Scan with the scanner or type the USID."),
            { problem: error && error.message ? error.message : error },
            true
          )
        );
      });
  }

  function stop() {
    window.clearTimeout(timer);
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    video.srcObject = null;
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    window.bootstrap.Modal.getOrCreateInstance(dialog).toggle();
  });
  dialog.addEventListener("shown.bs.modal", start);
  dialog.addEventListener("hidden.bs.modal", stop);
})();
