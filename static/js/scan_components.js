// The component step of the scan screen (genealogy). At a stage that installs components the
// operator scans the parent unit, then each component in turn; the screen names the one it
// expects next. Each code is kept the moment Enter is pressed; when the last is in, the scan
// and its components go to the screen's queue as one scan (one request, one scan_id), so a
// queued scan sent again after an outage still installs its components exactly once.
//
// It is one of the screen's steps after a scan (window.shopfloorScanSteps, see scan_screen.js),
// the one that reads its codes from the scan field: the screen hands it each code while
// ScanComponents.collecting(), and calls ScanComponents.cancel() on Esc. A fail is queued at
// once: its components are not required.
(function () {
  "use strict";

  const source = document.getElementById("scan-components");
  const prompt = document.getElementById("scan-components-prompt");
  const byPart = source ? JSON.parse(source.dataset.components || "{}") : {};
  const partChoice = document.getElementById("scan-part");
  let step = null; // {scan, queue, entries, index, taken}

  // The entries of the scanned unit's part: the part chosen or typed on the screen; at a
  // station that runs its own parts, the only one of them installing components here. A
  // station that runs any part cannot know it before the answer: the operator types the
  // part no. (the line under the part field says so), or the scan is refused naming the
  // components it lacks.
  function entriesFor(scan) {
    const parts = Object.keys(byPart);
    const chosen = (scan.part_no || (partChoice ? partChoice.value : "")).trim().toLowerCase();
    const key = parts.find(function (p) { return p.toLowerCase() === chosen; });
    if (key) {
      return byPart[key];
    }
    const ownParts = source && source.dataset.anyPart !== "true";
    return ownParts && parts.length === 1 ? byPart[parts[0]] : [];
  }

  function describe(entry) {
    return entry.kind === "lot"
      ? interpolate(gettext("%(label)s (lot code)"), { label: entry.label }, true)
      : interpolate(gettext("%(label)s (%(part_no)s)"), { label: entry.label, part_no: entry.part_no }, true);
  }

  function show() {
    if (!prompt) {
      return;
    }
    if (!step) {
      prompt.hidden = true;
      prompt.replaceChildren();
      return;
    }
    const entry = step.entries[step.index];
    const head = document.createElement("span");
    head.textContent = interpolate(
      gettext("Now scan %(component)s for %(usid)s"),
      { component: describe(entry), usid: step.scan.usid.trim() },
      true
    );
    const count = document.createElement("span");
    count.className = "ms-2 text-secondary";
    const where = { at: step.index + 1, of: step.entries.length };
    count.textContent = interpolate(
      entry.required
        ? gettext("· %(at)s of %(of)s · Esc cancels")
        : gettext("· %(at)s of %(of)s · optional: Enter alone skips it · Esc cancels"),
      where,
      true
    );
    prompt.dataset.expects = entry.key;
    prompt.replaceChildren(head, count);
    prompt.hidden = false;
  }

  function finish() {
    const done = step;
    step = null;
    show();
    done.scan.extras = done.scan.extras || {};
    done.scan.extras.components = done.taken;
    done.finish();
  }

  // A step of the screen (see scan_screen.js): it reads its codes from the scan field.
  window.shopfloorScanSteps = window.shopfloorScanSteps || [];
  window.shopfloorScanSteps.push({
    usesInput: true,
    asks: function (scan) {
      return scan.result !== "fail" && entriesFor(scan).length > 0;
    },
    run: function (scan, done, cancel) {
      step = { scan: scan, entries: entriesFor(scan), index: 0, taken: {}, finish: done, cancel: cancel };
      show();
    },
  });

  window.ScanComponents = {
    // True while the scan waits for its components; the step then owns the next codes.
    collecting: function () {
      return step !== null;
    },
    take: function (text) {
      const entry = step.entries[step.index];
      const code = text.trim();
      if (code === "" && entry.required) {
        show();
        return;
      }
      if (code !== "") {
        step.taken[entry.key] = code;
      }
      step.index += 1;
      if (step.index >= step.entries.length) {
        finish();
      } else {
        show();
      }
    },
    cancel: function () {
      if (!step) {
        return false;
      }
      const dropped = step;
      step = null;
      show();
      dropped.cancel(gettext("Scan cancelled: nothing recorded."));
      return true;
    },
  };
})();
