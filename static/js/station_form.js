// The station form offers only the stages of the parts chosen (every part's when none is).
(function () {
  "use strict";

  const parts = document.querySelector("[data-parts-select]");
  const stage = document.querySelector("[data-stage-select]");
  if (!parts || !stage) {
    return;
  }

  function offerStagesOfChosenParts() {
    const chosen = Array.from(parts.selectedOptions, function (option) {
      return option.value;
    });
    for (const option of stage.options) {
      const holders = (option.dataset.parts || "").split(" ").filter(Boolean);
      const offered =
        !option.value ||
        (holders.length > 0 &&
          (chosen.length === 0 ||
            holders.some(function (pk) {
              return chosen.indexOf(pk) !== -1;
            })));
      option.hidden = !offered;
      option.disabled = !offered && !option.selected;
    }
  }

  parts.addEventListener("change", offerStagesOfChosenParts);
  offerStagesOfChosenParts();
})();
