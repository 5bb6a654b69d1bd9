// Drag a stage by its handle and drop it on another stage to move it there. The move is
// submitted like the up/down buttons (action "stage_move:<from>-<to>"), so the server
// stays the one place that changes the draft. Listeners sit on the document, so they
// keep working after htmx swaps the editor.
(function () {
  let draggedIndex = null;

  function stageOf(target) {
    return target instanceof Element ? target.closest("[data-stage-index]") : null;
  }

  document.addEventListener("dragstart", (event) => {
    if (!(event.target instanceof Element) || !event.target.matches("[data-drag-handle]")) return;
    const stage = stageOf(event.target);
    draggedIndex = stage.dataset.stageIndex;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", draggedIndex);
    event.dataTransfer.setDragImage(stage, 20, 20);
  });

  document.addEventListener("dragover", (event) => {
    const stage = stageOf(event.target);
    if (draggedIndex === null || !stage) return;
    event.preventDefault();
    document.querySelectorAll(".drop-target").forEach((elt) => elt.classList.remove("drop-target"));
    stage.classList.add("drop-target");
  });

  document.addEventListener("drop", (event) => {
    const stage = stageOf(event.target);
    if (draggedIndex === null || !stage) return;
    event.preventDefault();
    const from = draggedIndex;
    const to = stage.dataset.stageIndex;
    draggedIndex = null;
    stage.classList.remove("drop-target");
    if (from === to) return;
    const button = document.createElement("button");
    button.type = "submit";
    button.name = "action";
    button.value = `stage_move:${from}-${to}`;
    button.hidden = true;
    stage.closest("form").appendChild(button);
    button.click();
  });

  document.addEventListener("dragend", () => {
    draggedIndex = null;
    document.querySelectorAll(".drop-target").forEach((elt) => elt.classList.remove("drop-target"));
  });
})();
