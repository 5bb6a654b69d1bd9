// Behaviour every page may use, kept out of the markup: the pages' Content-Security-Policy
// allows no inline script or event handler.
(function () {
  "use strict";

  // <form data-confirm="Question?">: submitted only when the user agrees.
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <form data-upload-progress> sent by htmx: its <progress> shows how much is uploaded.
  document.addEventListener("htmx:xhr:progress", function (event) {
    const form = event.target;
    if (!form.matches || !form.matches("form[data-upload-progress]")) {
      return;
    }
    if (!event.detail.lengthComputable) {
      return;
    }
    const bar = form.querySelector("progress");
    if (bar) {
      bar.hidden = false;
      bar.value = (event.detail.loaded / event.detail.total) * 100;
    }
  });
})();
