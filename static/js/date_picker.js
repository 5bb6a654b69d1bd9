// The calendar of every date input (shopfloor/date_input.py): <input data-date-picker="%d/%m/%Y">
// gets a button that opens a month grid in the page's language (Intl, <html lang>), since the
// browser's own date input speaks the browser's language. Keyboard: Alt+Down or the button
// opens it; arrows move a day or a week, Page Up/Down a month, Home/End the week's ends,
// Enter picks, Escape closes. Typing the date stays possible: the field reads what is typed.
(function () {
  "use strict";

  const DIGITS = { "%d": "(\\d{1,2})", "%m": "(\\d{1,2})", "%Y": "(\\d{4})", "%y": "(\\d{2})" };

  function pad(number, width) {
    return String(number).padStart(width, "0");
  }

  function formatDate(date, pattern) {
    return pattern.replace(/%[dmYy]/g, function (directive) {
      switch (directive) {
        case "%d": return pad(date.getDate(), 2);
        case "%m": return pad(date.getMonth() + 1, 2);
        case "%Y": return pad(date.getFullYear(), 4);
        default: return pad(date.getFullYear() % 100, 2);
      }
    });
  }

  function dateOf(year, month, day) {
    const date = new Date(year, month - 1, day);
    const valid = date.getFullYear() === year && date.getMonth() === month - 1 && date.getDate() === day;
    return valid ? date : null;
  }

  // The date typed in the input's format (or ISO yyyy-mm-dd), or null.
  function parseDate(text, pattern) {
    const value = text.trim();
    const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
    if (iso) {
      return dateOf(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    }
    const order = [];
    const source = pattern.replace(/%[dmYy]|[.*+?^${}()|[\]\\]/g, function (token) {
      if (DIGITS[token]) {
        order.push(token);
        return DIGITS[token];
      }
      return "\\" + token;
    });
    const match = new RegExp("^" + source + "$").exec(value);
    if (!match) {
      return null;
    }
    const parts = {};
    order.forEach(function (directive, index) {
      parts[directive] = Number(match[index + 1]);
    });
    const year = parts["%Y"] !== undefined ? parts["%Y"] : 2000 + parts["%y"];
    return dateOf(year, parts["%m"], parts["%d"]);
  }

  function sameDay(a, b) {
    return a && b && a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  function addDays(date, days) {
    return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
  }

  function addMonths(date, months) {
    const first = new Date(date.getFullYear(), date.getMonth() + months, 1);
    const last = new Date(first.getFullYear(), first.getMonth() + 1, 0).getDate();
    return new Date(first.getFullYear(), first.getMonth(), Math.min(date.getDate(), last));
  }

  function language() {
    return document.documentElement.lang || "en";
  }

  function DatePicker(input) {
    this.input = input;
    this.pattern = input.dataset.datePicker;
    this.firstDay = Number(input.dataset.firstDayOfWeek || 0);
    this.wrapper = document.createElement("div");
    this.wrapper.className = "date-picker input-group";
    input.parentNode.insertBefore(this.wrapper, input);
    this.wrapper.appendChild(input);
    this.toggle = document.createElement("button");
    this.toggle.type = "button";
    this.toggle.className = "btn btn-outline-secondary date-picker-toggle";
    this.toggle.setAttribute("aria-label", gettext("Choose a date in the calendar"));
    this.toggle.title = gettext("Choose a date in the calendar");
    this.toggle.setAttribute("aria-haspopup", "dialog");
    this.toggle.setAttribute("aria-expanded", "false");
    this.toggle.textContent = "\u{1F4C5}";
    this.wrapper.appendChild(this.toggle);
    this.calendar = null;
    this.toggle.addEventListener("click", this.onToggle.bind(this));
    input.addEventListener("keydown", this.onInputKey.bind(this));
    this.wrapper.addEventListener("focusout", this.onFocusOut.bind(this));
  }

  DatePicker.prototype.onToggle = function () {
    if (this.calendar) {
      this.close(true);
    } else {
      this.open();
    }
  };

  DatePicker.prototype.onInputKey = function (event) {
    if (event.altKey && event.key === "ArrowDown") {
      event.preventDefault();
      this.open();
    }
  };

  // Focus that leaves the input, its button and its calendar closes the calendar. Judged once
  // the focus has settled: drawing another month replaces the focused day's button.
  DatePicker.prototype.onFocusOut = function () {
    window.setTimeout(function () {
      if (this.calendar && !this.wrapper.contains(document.activeElement)) {
        this.close(false);
      }
    }.bind(this), 0);
  };

  DatePicker.prototype.open = function () {
    const typed = parseDate(this.input.value, this.pattern);
    this.selected = typed;
    this.focused = typed || new Date();
    this.calendar = document.createElement("div");
    this.calendar.className = "date-picker-calendar card shadow";
    this.calendar.setAttribute("role", "dialog");
    this.calendar.setAttribute("aria-label", gettext("Calendar"));
    this.calendar.addEventListener("keydown", this.onCalendarKey.bind(this));
    this.wrapper.appendChild(this.calendar);
    this.toggle.setAttribute("aria-expanded", "true");
    this.render();
  };

  DatePicker.prototype.close = function (focusInput) {
    if (!this.calendar) {
      return;
    }
    this.calendar.remove();
    this.calendar = null;
    this.toggle.setAttribute("aria-expanded", "false");
    if (focusInput) {
      this.input.focus();
    }
  };

  DatePicker.prototype.pick = function (date) {
    this.input.value = formatDate(date, this.pattern);
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
    this.close(true);
  };

  DatePicker.prototype.moveTo = function (date) {
    this.focused = date;
    this.render();
  };

  DatePicker.prototype.onCalendarKey = function (event) {
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    const focused = this.focused;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.close(true);
      return;
    }
    if (!event.target.classList.contains("date-picker-day")) {
      return;
    }
    let next = null;
    if (steps[event.key] !== undefined) {
      next = addDays(focused, steps[event.key]);
    } else if (event.key === "PageUp" || event.key === "PageDown") {
      next = addMonths(focused, (event.key === "PageUp" ? -1 : 1) * (event.shiftKey ? 12 : 1));
    } else if (event.key === "Home" || event.key === "End") {
      const offset = (focused.getDay() - this.firstDay + 7) % 7;
      next = addDays(focused, event.key === "Home" ? -offset : 6 - offset);
    }
    if (next) {
      event.preventDefault();
      this.moveTo(next);
    }
  };

  DatePicker.prototype.headerButton = function (label, symbol, months) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-sm btn-outline-secondary date-picker-nav";
    button.setAttribute("aria-label", label);
    button.title = label;
    button.textContent = symbol;
    button.addEventListener("click", function () {
      this.focused = addMonths(this.focused, months);
      this.render(button.dataset.step);
    }.bind(this));
    button.dataset.step = String(months);
    return button;
  };

  DatePicker.prototype.render = function (keepNavFocus) {
    const lang = language();
    const focused = this.focused;
    this.calendar.replaceChildren();
    const header = document.createElement("div");
    header.className = "date-picker-header";
    const title = document.createElement("div");
    title.className = "date-picker-title fw-semibold";
    title.setAttribute("aria-live", "polite");
    title.textContent = new Intl.DateTimeFormat(lang, { month: "long", year: "numeric" }).format(focused);
    const previous = this.headerButton(gettext("Previous month"), "\u2039", -1);
    const next = this.headerButton(gettext("Next month"), "\u203A", 1);
    header.append(previous, title, next);
    this.calendar.appendChild(header);

    const grid = document.createElement("table");
    grid.className = "date-picker-grid";
    grid.setAttribute("role", "grid");
    grid.setAttribute("aria-label", title.textContent);
    const head = grid.createTHead().insertRow();
    const weekday = new Intl.DateTimeFormat(lang, { weekday: "short" });
    const weekdayLong = new Intl.DateTimeFormat(lang, { weekday: "long" });
    const first = new Date(focused.getFullYear(), focused.getMonth(), 1);
    const start = addDays(first, -((first.getDay() - this.firstDay + 7) % 7));
    for (let column = 0; column < 7; column += 1) {
      const cell = document.createElement("th");
      cell.scope = "col";
      const day = addDays(start, column);
      cell.textContent = weekday.format(day);
      cell.setAttribute("abbr", weekdayLong.format(day));
      head.appendChild(cell);
    }
    const body = grid.createTBody();
    const dayLabel = new Intl.DateTimeFormat(lang, { dateStyle: "full" });
    const today = new Date();
    let focusTarget = null;
    for (let week = 0; week < 6; week += 1) {
      const row = body.insertRow();
      for (let column = 0; column < 7; column += 1) {
        const day = addDays(start, week * 7 + column);
        const cell = row.insertCell();
        const button = document.createElement("button");
        button.type = "button";
        button.className = "date-picker-day btn btn-sm";
        button.textContent = String(day.getDate());
        button.setAttribute("aria-label", dayLabel.format(day));
        button.dataset.date = formatDate(day, "%Y-%m-%d");
        button.tabIndex = sameDay(day, focused) ? 0 : -1;
        if (day.getMonth() !== focused.getMonth()) {
          button.classList.add("date-picker-outside");
        }
        if (sameDay(day, this.selected)) {
          button.classList.add("btn-primary");
          button.setAttribute("aria-pressed", "true");
        }
        if (sameDay(day, today)) {
          button.classList.add("date-picker-today");
          button.setAttribute("aria-current", "date");
        }
        button.addEventListener("click", this.pick.bind(this, day));
        cell.appendChild(button);
        if (sameDay(day, focused)) {
          focusTarget = button;
        }
      }
    }
    this.calendar.appendChild(grid);
    if (keepNavFocus) {
      const again = this.calendar.querySelector('.date-picker-nav[data-step="' + keepNavFocus + '"]');
      again.focus();
    } else if (focusTarget) {
      focusTarget.focus();
    }
  };

  function enhance(root) {
    root.querySelectorAll("input[data-date-picker]").forEach(function (input) {
      if (!input.dataset.datePickerReady) {
        input.dataset.datePickerReady = "1";
        new DatePicker(input);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
  });
  document.addEventListener("htmx:load", function (event) {
    enhance(event.target);
  });
  window.shopfloorDatePicker = { parse: parseDate, format: formatDate };
})();
