// The scan screen's step for a stage's values: after a scan at a stage whose procedure asks
// for fields, the operator is asked for them in one compact, keyboard-only step. Each field
// is a text box a person or a scanner types into; Enter checks it and moves to the next, and
// Enter on the last sends the scan with its values. A choice is picked by its number (or its
// text, as a scanner reads it); a measurement shows its unit and limits and turns green or
// red as it is typed. Esc drops the scan. The values are snapshotted into the scan at Enter,
// so the queue sends exactly what was typed, even after the screen has moved on.
//
// Numbers are typed as the operator's language writes them: "1.5" always, and "1,5" where the
// decimal mark is a comma (Spanish). The screen sends the number itself (JSON), never the
// text, so the server reads one spelling only. Thousands separators are never guessed: text
// with two marks ("1.234,5", "1,2,3") is refused, and so is, in a comma language, one mark
// followed by exactly three digits ("1.234" or "1,234": a thousand, or one and a bit?).
(function () {
  "use strict";

  const source = document.getElementById("scan-stage-fields");
  const panel = document.getElementById("scan-stage-data");
  if (!source || !panel) {
    return;
  }
  const byPart = JSON.parse(source.textContent || "{}");
  const title = document.getElementById("scan-stage-data-title");
  const list = panel.querySelector(".scan-stage-data-fields");
  const partNos = Object.keys(byPart);
  const DATE = /^\d{4}-\d{2}-\d{2}$/;
  const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;
  const DECIMAL_MARK = typeof get_format === "function" && get_format("DECIMAL_SEPARATOR") === "," ? "," : ".";
  const TWO_WAYS = /^[+-]?[1-9]\d{0,2}[.,]\d{3}$/;

  // A number as the operator's language writes it (the decimal mark of the language).
  function localNumber(value) {
    return String(value).replace(".", DECIMAL_MARK);
  }

  function say(text, values) {
    return interpolate(text, values, true);
  }

  // What a number field's text stands for: {value} or {problem}, never a guess.
  function number(field, raw) {
    const names = { field: field.label, text: raw };
    const marks = raw.match(/[.,]/g) || [];
    if (marks.length > 1 || /\s/.test(raw)) {
      return {
        problem: say(
          gettext("%(field)s: %(text)s has thousands separators or more than one decimal mark: type the number without thousands separators, e.g. %(example)s."),
          Object.assign(names, { example: localNumber("1234.5") })
        ),
      };
    }
    if (marks[0] === "," && DECIMAL_MARK !== ",") {
      return {
        problem: say(
          gettext("%(field)s: type %(text)s with a decimal point and no thousands separators, e.g. %(example)s."),
          Object.assign(names, { example: "1234.5" })
        ),
      };
    }
    if (DECIMAL_MARK === "," && TWO_WAYS.test(raw)) {
      const parts = raw.split(/[.,]/);
      return {
        problem: say(
          gettext("%(field)s: %(text)s can be read two ways (a thousands separator or a decimal mark): type %(whole)s for the whole number, or %(decimal)s for the decimal one."),
          Object.assign(names, { whole: parts[0] + parts[1], decimal: parts[0] + "," + parts[1] + "0" })
        ),
      };
    }
    const text = raw.replace(",", ".");
    const whole = /^[+-]?\d+$/.test(text);
    if (!NUMBER.test(text) || !isFinite(Number(text)) || (field.type === "integer" && !whole)) {
      return {
        problem: say(
          field.type === "integer" ? gettext("%(field)s: %(text)s is not a whole number.") : gettext("%(field)s: %(text)s is not a number."),
          names
        ),
      };
    }
    return { value: Number(text) };
  }

  function fieldsOf(scan) {
    if (scan.part_no && byPart[scan.part_no]) {
      return byPart[scan.part_no];
    }
    return partNos.length === 1 ? byPart[partNos[0]] : null;
  }

  // The value a text box stands for, or {problem} naming what is wrong with it.
  function parse(field, text) {
    const raw = text.trim();
    if (raw === "") {
      return { empty: true };
    }
    if (field.type === "measurement" || field.type === "decimal" || field.type === "integer") {
      return number(field, raw);
    }
    if (field.type === "boolean") {
      const answer = raw.toLowerCase();
      if (/^(y|yes|1|true)$/.test(answer) || answer === gettext("y") || answer === gettext("yes")) {
        return { value: true };
      }
      if (/^(n|no|0|false)$/.test(answer) || answer === gettext("n") || answer === gettext("no")) {
        return { value: false };
      }
      return { problem: say(gettext("%(field)s: answer %(yes)s or %(no)s."), { field: field.label, yes: gettext("y"), no: gettext("n") }) };
    }
    if (field.type === "date") {
      const day = new Date(raw + "T00:00:00Z");
      if (!DATE.test(raw) || isNaN(day) || day.toISOString().slice(0, 10) !== raw) {
        return { problem: say(gettext("%(field)s: %(text)s is not a date (YYYY-MM-DD)."), { field: field.label, text: raw }) };
      }
      return { value: raw };
    }
    if (field.type === "choice") {
      const choices = field.choices || [];
      if (choices.indexOf(raw) !== -1) {
        return { value: raw };
      }
      const number = /^\d+$/.test(raw) ? Number(raw) : 0;
      if (number >= 1 && number <= choices.length) {
        return { value: choices[number - 1] };
      }
      return { problem: say(gettext("%(field)s: %(text)s is not one of the choices."), { field: field.label, text: raw }) };
    }
    return { value: raw };
  }

  function outside(field, value) {
    return (
      (field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)
    );
  }

  function hint(field) {
    if (field.type === "measurement") {
      return (field.unit ? field.unit + " · " : "") + field.limits;
    }
    if (field.type === "choice") {
      return (field.choices || []).map(function (choice, index) {
        return index + 1 + " = " + choice;
      }).join(" · ");
    }
    if (field.type === "boolean") {
      return gettext("y") + " / " + gettext("n");
    }
    if (field.type === "date") {
      return "YYYY-MM-DD";
    }
    return "";
  }

  function row(field, index) {
    const item = document.createElement("div");
    item.className = "scan-stage-field mb-2";
    const id = "stage-value-" + field.key;
    const label = document.createElement("label");
    label.className = "form-label fs-5 mb-0";
    label.htmlFor = id;
    label.textContent = index + 1 + ". " + field.label + (field.required ? " *" : "");
    const input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.className = "form-control form-control-lg";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.dataset.key = field.key;
    if (field.default !== undefined) {
      const shown = typeof field.default === "number" ? localNumber(field.default) : field.default;
      input.placeholder = say(gettext("default: %(value)s"), { value: shown });
    }
    const note = document.createElement("div");
    note.className = "form-text fs-6";
    note.textContent = hint(field);
    const problem = document.createElement("div");
    problem.className = "invalid-feedback fs-6";
    item.append(label, input, note, problem);
    return { field: field, input: input, note: note, problem: problem, item: item };
  }

  function show(entry, parsed) {
    const field = entry.field;
    entry.input.classList.remove("is-valid", "is-invalid");
    entry.problem.textContent = "";
    if (parsed.problem) {
      entry.input.classList.add("is-invalid");
      entry.problem.textContent = parsed.problem;
      return;
    }
    if (field.type === "measurement" && !parsed.empty) {
      const bad = outside(field, parsed.value);
      entry.input.classList.add(bad ? "is-invalid" : "is-valid");
      entry.item.dataset.limits = bad ? "outside" : "inside";
      if (bad) {
        entry.problem.textContent = say(gettext("Outside its limits (%(limits)s): the unit fails."), { limits: field.limits });
      }
    } else if (field.type === "choice" && !parsed.empty) {
      entry.input.classList.add("is-valid");
      entry.note.textContent = "→ " + parsed.value + "   (" + hint(field) + ")";
    }
  }

  function run(scan, finish, cancel) {
    const fields = fieldsOf(scan);
    const entries = fields.map(row);
    const name = scan.tag_no
      ? say(gettext("%(usid)s / tag %(tag_no)s"), { usid: scan.usid.trim(), tag_no: scan.tag_no.trim() })
      : scan.usid.trim();
    title.textContent = say(scan.result === "fail" ? gettext("Values for %(name)s (fail)") : gettext("Values for %(name)s"), { name: name });
    list.replaceChildren.apply(list, entries.map(function (entry) { return entry.item; }));
    panel.hidden = false;
    let at = 0;

    function close() {
      panel.hidden = true;
      list.replaceChildren();
      panel.removeEventListener("keydown", onKey);
      panel.removeEventListener("input", onInput);
    }

    function check(entry, final) {
      const parsed = parse(entry.field, entry.input.value);
      if (!parsed.problem && parsed.empty && final && entry.field.required &&
          entry.field.default === undefined && scan.result !== "fail") {
        parsed.problem = say(gettext("%(field)s is required."), { field: entry.field.label });
      }
      show(entry, parsed);
      return parsed;
    }

    function done() {
      const data = {};
      for (let index = 0; index < entries.length; index++) {
        const parsed = check(entries[index], true);
        if (parsed.problem) {
          at = index;
          entries[index].input.focus();
          return;
        }
        if (!parsed.empty) {
          data[entries[index].field.key] = parsed.value;
        }
      }
      close();
      scan.extras = Object.assign({}, scan.extras, { data: data });
      if (scan.result === "pass") {
        scan.result = ""; // the server derives pass or fail (out_of_limits) from the values
      }
      finish();
    }

    function onKey(event) {
      const entry = entries[at];
      if (event.key === "Escape") {
        event.preventDefault();
        close();
        cancel(say(gettext("%(name)s not recorded: its values were not entered (Esc)."), { name: name }));
        return;
      }
      if (event.key !== "Enter") {
        return;
      }
      event.preventDefault();
      if (check(entry, false).problem) {
        return;
      }
      if (at + 1 < entries.length) {
        at += 1;
        entries[at].input.focus();
      } else {
        done();
      }
    }

    function onInput(event) {
      const index = entries.findIndex(function (entry) { return entry.input === event.target; });
      if (index !== -1) {
        at = index;
        check(entries[index], false);
      }
    }

    panel.addEventListener("keydown", onKey);
    panel.addEventListener("input", onInput);
    entries[0].input.focus();
  }

  window.shopfloorScanSteps = window.shopfloorScanSteps || [];
  window.shopfloorScanSteps.push({
    name: "stage_data",
    asks: function (scan) {
      const fields = fieldsOf(scan);
      return Boolean(fields && fields.length);
    },
    run: run,
  });
})();
