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

// Focus after an add, move or remove: the server names the row the action left the person
// on (data-focus-row) and a control in it (data-focus-control), so the keyboard focus stays
// in the editor instead of falling back to the page when htmx swaps the form.
(function () {
  function focusNamedRow(editor) {
    const rowId = editor.dataset.focusRow;
    const control = editor.dataset.focusControl;
    if (rowId === undefined && !control) return;
    const row = rowId ? editor.querySelector(`[data-testid="${CSS.escape(rowId)}"]`) : null;
    const scope = row || editor;
    let target = control ? scope.querySelector(control) : null;
    if (!target || target.disabled) target = row;
    if (target) {
      target.focus();
      if (target === row) row.scrollIntoView({ block: "nearest" });
    }
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    const editor = document.getElementById("editor");
    if (editor && event.target === editor) focusNamedRow(editor);
  });
})();

// An unsaved draft is not lost by leaving the page unasked: the browser asks first when the
// draft differs from the saved procedure (the server says so in data-draft-changed) or has
// been typed in since the editor was last drawn.
(function () {
  let typedSinceDrawn = false;

  document.addEventListener("input", (event) => {
    if (event.target instanceof Element && event.target.closest("#editor")) typedSinceDrawn = true;
  });
  document.addEventListener("change", (event) => {
    if (event.target instanceof Element && event.target.closest("#editor")) typedSinceDrawn = true;
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    // The whole editor was drawn again from what was posted: the server now knows the draft.
    if (event.target instanceof Element && event.target.id === "editor") typedSinceDrawn = false;
  });

  window.addEventListener("beforeunload", (event) => {
    const editor = document.getElementById("editor");
    if (!editor) return;
    if (typedSinceDrawn || editor.dataset.draftChanged === "true") {
      event.preventDefault();
      // Most browsers show their own words here; the others show this sentence.
      event.returnValue = gettext("Your draft of the procedure is not saved. Leave the page and lose it?");
    }
  });
})();
