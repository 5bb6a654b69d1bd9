// The scan screen. A keyboard-wedge scanner types a code a few milliseconds a character and
// presses Enter, and the next code follows at once, whatever the network does. So each scan is
// captured whole the moment Enter is pressed (the text, pass or fail, the defect, the part),
// given a scan_id, and put in a queue kept in this browser's localStorage (it survives a
// reload and a closed tab). The queue is sent one scan at a time, in order; the server answers
// each scan_id once, so a scan sent again after a lost answer is never recorded twice. Each
// answer is shown against its own scan, refusals stay listed until acknowledged, and nothing
// is ever dropped from the queue: a queue that cannot be sent says so, with since when.
(function () {
  "use strict";

  const screen = document.getElementById("scan-screen");
  const form = document.getElementById("scan-form");
  const input = document.getElementById("scan-code");
  if (!screen || !form || !input) {
    return;
  }
  const el = {
    status: screen.querySelector(".scan-status"),
    connection: document.getElementById("scan-connection"),
    waiting: document.getElementById("scan-waiting"),
    refusals: document.getElementById("scan-refusals"),
    stuck: document.getElementById("scan-stuck"),
    armed: document.getElementById("scan-armed"),
    result: document.getElementById("scan-result"),
    logSection: screen.querySelector(".scan-log"),
    log: document.getElementById("scan-log"),
    ack: document.getElementById("scan-ack"),
    mute: document.getElementById("scan-mute"),
    defect: document.getElementById("scan-defect"),
    part: document.getElementById("scan-part"),
    pending: form.querySelector("input[name=pending_usid]"),
  };
  const STORE_KEY = "shopfloor.scans.v1." + screen.dataset.station + "." + screen.dataset.user;
  const MUTE_KEY = "shopfloor.scan.muted";
  const PAIRS_TAG = screen.dataset.pairsTag === "true";
  const SUBMIT_URL = screen.dataset.submitUrl;
  const RECENT_URL = screen.dataset.recentUrl;
  const ANSWERED_KEPT = 100; // answered scans listed; unacknowledged refusals are always kept
  const STUCK_AFTER_MS = 60 * 1000; // a queue older than this is reported plainly
  const HAND_KEY_MS = 60; // a digit alone this long was pressed by a person, not a scanner
  const DEFECT_CARD = /^DEFECT:(.+)$/i;
  const BADGE_CARD = /^BADGE:/i; // an operator's badge: station_badge.js shows the switch
  const TONES = {
    recorded: [{ freq: 1320, seconds: 0.12, type: "sine" }],
    already_recorded: [
      { freq: 660, seconds: 0.1, type: "triangle" },
      { gap: 0.07 },
      { freq: 660, seconds: 0.1, type: "triangle" },
    ],
    refused: [{ freq: 180, seconds: 0.5, type: "square" }],
    waiting: [{ freq: 990, seconds: 0.06, type: "sine" }],
    queued: [
      { freq: 440, seconds: 0.07, type: "sine" },
      { freq: 587, seconds: 0.07, type: "sine" },
      { freq: 440, seconds: 0.07, type: "sine" },
    ],
  };
  const WORDS = {
    recorded: gettext("Recorded"),
    already_recorded: gettext("Already recorded"),
    refused: gettext("Refused"),
    waiting: gettext("Waiting to send"),
    signed_in: gettext("Operator"),
    queued: gettext("Queued"),
    cancelled: gettext("Cancelled"),
  };

  let audio = null;
  let sending = false;
  let retryTimer = null;
  let retryDelay = 1000;
  let problem = null; // why the queue is not being sent: "offline", "signed_out", "server"
  let problemStatus = null; // the HTTP status of a server error
  let pendingUsid = ""; // a USID waiting for its tag label, at a station that pairs tags
  let heldDigit = null;
  let heldTimer = null;
  // Steps that ask for more after a scan at a stage that needs it (the stage's values, what
  // is installed): each module adds {asks(scan), run(scan, finish, cancel)} to
  // window.shopfloorScanSteps. They run in order once Enter has taken the scan; each puts what
  // it asked for in scan.extras ({name: JSON value}, sent beside the scan) and calls finish(),
  // or cancel(message) to drop the scan. The scan is queued with its extras, whole, at the end.
  const scanSteps = (window.shopfloorScanSteps = window.shopfloorScanSteps || []);
  let stepOpen = false;

  // ---- the stored queue and log --------------------------------------------------------

  function load() {
    try {
      const stored = JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}");
      return { queue: stored.queue || [], log: stored.log || [] };
    } catch (error) {
      return { queue: [], log: [] };
    }
  }

  // Every change reads the store again first: another tab of this station may have changed it.
  function update(change) {
    const state = load();
    change(state);
    const answered = state.log.filter(function (scan) {
      return !(scan.answer && scan.answer.status === "refused" && !scan.acknowledged);
    });
    const drop = answered.slice(ANSWERED_KEPT);
    state.log = state.log.filter(function (scan) {
      return drop.indexOf(scan) === -1;
    });
    window.localStorage.setItem(STORE_KEY, JSON.stringify(state));
    render(state);
    return state;
  }

  function newScanId() {
    if (window.crypto && window.crypto.randomUUID) {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  // ---- taking a scan at Enter ----------------------------------------------------------

  function chosenResult() {
    const fail = document.getElementById("result-fail");
    return fail && fail.checked ? "fail" : "pass";
  }

  function defectLabel(code) {
    if (!el.defect || !code) {
      return "";
    }
    const option = Array.from(el.defect.options).find(function (o) {
      return o.value === code;
    });
    return option ? option.dataset.label : code;
  }

  // The one place the field is read: the moment Enter is pressed. It is cleared at once, so
  // the scanner's next code starts in an empty field.
  function take() {
    flushHeldDigit(true);
    const text = input.value;
    input.value = "";
    takeText(text);
  }

  // A code read whole: typed by the scanner (take) or decoded by the camera.
  function takeText(text) {
    if (window.ScanComponents && window.ScanComponents.collecting()) {
      window.ScanComponents.take(text); // a component of the scan taken just before
      return;
    }
    if (text === "") {
      return;
    }
    const card = text.trim().match(DEFECT_CARD);
    if (card) {
      chooseDefectByCode(card[1].trim());
      return;
    }
    if (BADGE_CARD.test(text.trim())) {
      // Queued like a scan, so the scans before it are the old operator's and the scans
      // after it the new one's. Its code is dropped from the log once answered.
      update(function (state) {
        state.queue.push({ scan_id: newScanId(), usid: text, badge: true, result: "", at: Date.now() });
      });
      send();
      return;
    }
    if (PAIRS_TAG && !pendingUsid) {
      pendingUsid = text.trim();
      showPrompt();
      showAnswer("waiting", interpolate(gettext("Now scan the tag label of %(usid)s."), { usid: pendingUsid }, true));
      play("waiting");
      return;
    }
    const scan = {
      scan_id: newScanId(),
      usid: PAIRS_TAG ? pendingUsid : text,
      tag_no: PAIRS_TAG ? text : "",
      result: chosenResult(),
      defect: chosenResult() === "fail" && el.defect ? el.defect.value : "",
      part_no: el.part ? el.part.value : "",
      at: Date.now(),
    };
    if (PAIRS_TAG) {
      pendingUsid = "";
      showPrompt();
    }
    if (scan.result === "fail" && !scan.defect) {
      // Never sent: the fail stays armed, so the rescan after choosing the defect is a fail.
      scan.answer = {
        status: "refused",
        code: "defect_required",
        message: interpolate(
          gettext(
            "%(usid)s not recorded: choose the defect of the fail first (keys 1–9 or scan the " +
              "defect card), then scan it again. The fail stays armed."
          ),
          { usid: scan.usid.trim() },
          true
        ),
      };
      update(function (state) {
        state.log.unshift(scan);
      });
      showAnswer("refused", scan.answer.message);
      play("refused");
      return;
    }
    scan.defect_label = defectLabel(scan.defect);
    if (scan.result === "fail") {
      choose("pass"); // this fail is taken; the next scan is a pass unless failed again
    }
    runSteps(scan, 0);
  }

  // ---- steps after a scan, then the queue ------------------------------------------------

  function runSteps(scan, from) {
    for (let index = from; index < scanSteps.length; index++) {
      if (scanSteps[index].asks(scan)) {
        // A step that reads its codes from the scan field (components) leaves it the keyboard.
        stepOpen = !scanSteps[index].usesInput;
        scanSteps[index].run(
          scan,
          function finish() {
            stepOpen = false;
            runSteps(scan, index + 1);
          },
          function cancel(message) {
            stepOpen = false;
            showAnswer("cancelled", message); // the operator's choice: no refusal sound
            focusInput();
          }
        );
        return;
      }
    }
    enqueue(scan);
    focusInput();
  }

  function enqueue(scan) {
    update(function (state) {
      state.queue.push(scan);
    });
    if (problem) {
      showAnswer(
        "queued",
        interpolate(gettext("%(scan)s queued: it is sent when the server answers."), { scan: scanName(scan) }, true)
      );
      play("queued");
    }
    echoInDialog(interpolate(gettext("%(scan)s taken."), { scan: scanName(scan) }, true));
    send();
  }

  function scanName(scan) {
    return scan.tag_no
      ? interpolate(gettext("%(usid)s / tag %(tag_no)s"), { usid: scan.usid.trim(), tag_no: scan.tag_no.trim() }, true)
      : scan.usid.trim();
  }

  // ---- sending the queue in order ------------------------------------------------------

  function csrfToken() {
    const cookie = document.cookie.split("; ").find(function (c) {
      return c.indexOf("csrftoken=") === 0;
    });
    if (cookie) {
      return decodeURIComponent(cookie.slice("csrftoken=".length));
    }
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function body(scan) {
    const data = new URLSearchParams();
    data.set("code", scan.tag_no ? scan.tag_no : scan.usid);
    data.set("pending_usid", scan.tag_no ? scan.usid : "");
    data.set("result", scan.result);
    data.set("defect", scan.defect || "");
    data.set("part_no", scan.part_no || "");
    data.set("scan_id", scan.scan_id);
    const extras = scan.extras || {};
    Object.keys(extras).forEach(function (name) {
      data.set(name, JSON.stringify(extras[name]));
    });
    return data;
  }

  function send() {
    if (sending) {
      return;
    }
    const next = load().queue[0];
    if (!next) {
      return;
    }
    sending = true;
    window.clearTimeout(retryTimer);
    fetch(SUBMIT_URL, {
      method: "POST",
      body: body(next),
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
    })
      .then(function (response) {
        const type = response.headers.get("Content-Type") || "";
        if (response.ok && type.indexOf("application/json") === 0) {
          return response.json().then(function (answer) {
            answered(next, answer);
          });
        }
        if (response.type === "opaqueredirect" || response.status === 403) {
          return stalled("signed_out");
        }
        return stalled("server", response.status);
      })
      .catch(function () {
        stalled("offline");
      })
      .finally(function () {
        sending = false;
        if (!problem) {
          send();
        }
      });
  }

  function answered(scan, answer) {
    const wasStalled = problem !== null;
    problem = null;
    retryDelay = 1000;
    let isLatest = false;
    update(function (state) {
      state.queue = state.queue.filter(function (s) {
        return s.scan_id !== scan.scan_id;
      });
      if (state.log.some(function (s) { return s.scan_id === scan.scan_id; })) {
        return; // another tab of this station had it answered already
      }
      scan.answer = answer;
      scan.answered_at = Date.now();
      if (scan.badge) {
        scan.usid = "Badge";
      }
      state.log.unshift(scan);
      isLatest = state.queue.length === 0;
    });
    const refusedFail = answer.status === "refused" && scan.result === "fail";
    if (refusedFail && isLatest && chosenResult() === "pass") {
      // The last scan was a fail that was refused: arm it again, so its rescan is a fail.
      choose("fail");
      if (el.defect) {
        el.defect.value = scan.defect;
      }
      showArmed();
    }
    screen.dispatchEvent(new CustomEvent("scan:answered", { detail: answer }));
    showAnswer(answer.status, answer.message);
    play(answer.status);
    echoInDialog(answer.message);
    if (load().queue.length === 0) {
      refreshRecent();
    } else if (wasStalled) {
      render(load());
    }
  }

  function stalled(why, status) {
    problem = why;
    problemStatus = status;
    render(load());
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(send, retryDelay);
    retryDelay = Math.min(retryDelay * 2, why === "offline" ? 5000 : 30000);
  }

  function refreshRecent() {
    fetch(RECENT_URL, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        const current = document.getElementById("recent-scans");
        if (!html || !current) {
          return;
        }
        const fresh = new DOMParser().parseFromString(html, "text/html");
        const section = fresh.getElementById("recent-scans");
        if (section) {
          current.replaceWith(document.importNode(section, true));
        }
      })
      .catch(function () {});
  }

  window.addEventListener("online", function () {
    retryDelay = 1000;
    send();
  });
  window.addEventListener("offline", function () {
    if (load().queue.length === 0) {
      problem = "offline";
      render(load());
    }
  });
  window.addEventListener("storage", function (event) {
    if (event.key === STORE_KEY) {
      render(load());
      send();
    }
  });

  // ---- showing it ----------------------------------------------------------------------

  function time(ms) {
    return new Date(ms).toLocaleTimeString(document.documentElement.lang || [], {
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hour12: false,
    });
  }

  function age(ms) {
    const minutes = Math.floor((Date.now() - ms) / 60000);
    if (minutes < 1) {
      return gettext("less than a minute");
    }
    return minutes < 120
      ? interpolate(gettext("%(minutes)s min"), { minutes: minutes }, true)
      : interpolate(gettext("%(hours)s h %(minutes)s min"), { hours: Math.floor(minutes / 60), minutes: minutes % 60 }, true);
  }

  function render(state) {
    el.status.hidden = false;
    const offline = problem === "offline" || !navigator.onLine;
    el.connection.dataset.state = offline ? "offline" : problem ? "stalled" : "online";
    el.connection.className = "badge " + (offline ? "text-bg-dark" : problem ? "text-bg-warning" : "text-bg-success");
    el.connection.textContent = offline
      ? gettext("Offline: scans are kept here")
      : problem === "signed_out"
        ? gettext("Signed out: sign in again")
        : problem === "server"
          ? interpolate(gettext("Server error %(status)s"), { status: problemStatus || "" }, true)
          : gettext("Online");
    const waiting = state.queue.length;
    el.waiting.dataset.count = String(waiting);
    el.waiting.textContent = interpolate(ngettext("%(n)s waiting to send", "%(n)s waiting to send", waiting), { n: waiting }, true);
    el.waiting.className = "badge " + (waiting ? "text-bg-warning" : "text-bg-secondary");
    const refusals = state.log.filter(function (s) {
      return s.answer && s.answer.status === "refused" && !s.acknowledged;
    });
    el.refusals.hidden = refusals.length === 0;
    el.refusals.dataset.count = String(refusals.length);
    el.refusals.textContent = interpolate(
      ngettext("%(n)s refusal to acknowledge", "%(n)s refusals to acknowledge", refusals.length),
      { n: refusals.length },
      true
    );
    el.ack.hidden = refusals.length === 0;

    const oldest = state.queue[0];
    const stuck = oldest && (problem || Date.now() - oldest.at > STUCK_AFTER_MS);
    el.stuck.hidden = !stuck;
    if (stuck) {
      const why = {
        offline: gettext("the server cannot be reached"),
        signed_out: gettext("this screen is signed out: sign in again (reload) and they are sent"),
        server: problemStatus
          ? interpolate(gettext("the server answers with an error (%(status)s)"), { status: problemStatus }, true)
          : gettext("the server answers with an error"),
      }[problem] || gettext("the server has not answered yet");
      el.stuck.textContent = interpolate(
        ngettext(
          "%(n)s scan has not been sent since %(time)s (%(age)s): %(why)s. They are kept on this " +
            "device and sent in order; do not clear the browser's data.",
          "%(n)s scans have not been sent since %(time)s (%(age)s): %(why)s. They are kept on " +
            "this device and sent in order; do not clear the browser's data.",
          waiting
        ),
        { n: waiting, time: time(oldest.at), age: age(oldest.at), why: why },
        true
      );
    }

    el.logSection.hidden = state.queue.length + state.log.length === 0;
    el.log.replaceChildren();
    const rows = state.queue.slice().reverse().concat(state.log);
    for (const scan of rows) {
      el.log.appendChild(logRow(scan));
    }
  }

  function logRow(scan) {
    const status = scan.answer ? scan.answer.status : problem ? "queued" : "waiting";
    const row = document.createElement("li");
    const acknowledged = status === "refused" && scan.acknowledged;
    row.className = "scan-log-row scan-log-" + status + (acknowledged ? " scan-log-acknowledged" : "");
    row.dataset.scanId = scan.scan_id;
    row.dataset.usid = scan.badge ? "" : scan.usid;
    row.dataset.status = status;
    const when = document.createElement("span");
    when.className = "scan-log-time";
    when.textContent = time(scan.at);
    const usid = document.createElement("strong");
    usid.className = "scan-log-usid";
    usid.textContent = scan.badge ? gettext("Badge") : scanName(scan);
    // A scan sent without a result has it derived from its values: the answer tells which.
    const result = scan.result || (scan.answer && scan.answer.result) || "";
    const choice = document.createElement("span");
    choice.className = "badge " + (result === "fail" ? "text-bg-danger" : result ? "text-bg-success" : "text-bg-secondary");
    choice.textContent =
      result === "fail"
        ? scan.defect_label
          ? interpolate(gettext("fail: %(defect)s"), { defect: scan.defect_label }, true)
          : gettext("fail")
        : result === "pass"
          ? gettext("pass")
          : result || gettext("from values");
    choice.hidden = Boolean(scan.badge);
    const word = document.createElement("span");
    word.className = "scan-log-word";
    word.textContent = WORDS[status] || status;
    const message = document.createElement("span");
    message.className = "scan-log-message";
    message.textContent = scan.answer ? scan.answer.message : "";
    row.append(when, usid, choice, word, message);
    if (status === "refused" && !scan.acknowledged) {
      const ack = document.createElement("button");
      ack.type = "button";
      ack.className = "btn btn-outline-danger";
      ack.dataset.ack = scan.scan_id;
      ack.textContent = gettext("Seen");
      row.appendChild(ack);
    }
    return row;
  }

  function showAnswer(status, message) {
    el.result.className = "scan-result scan-result-" + status;
    el.result.dataset.status = status;
    const word = document.createElement("div");
    word.className = "scan-result-word";
    word.textContent = WORDS[status] || status;
    const text = document.createElement("div");
    text.className = "scan-result-message";
    text.textContent = message;
    el.result.replaceChildren(word, text);
  }

  function showPrompt() {
    if (el.pending) {
      el.pending.value = "";
    }
    let prompt = document.querySelector("[data-testid=waiting-for-tag]");
    if (!pendingUsid) {
      if (prompt) {
        prompt.remove();
      }
      return;
    }
    if (!prompt) {
      prompt = document.createElement("div");
      prompt.className = "alert alert-info fs-4 my-2";
      prompt.dataset.testid = "waiting-for-tag";
      document.getElementById("scan-prompt").appendChild(prompt);
    }
    prompt.textContent = interpolate(gettext("Now scan the tag label of %(usid)s. (Esc cancels)"), { usid: pendingUsid }, true);
  }

  function echoInDialog(message) {
    for (const echo of document.querySelectorAll(".modal.show [data-scan-echo]")) {
      echo.textContent = interpolate(
        gettext("%(message)s Scanning goes on while this is open (Esc closes it)."),
        { message: message },
        true
      );
    }
  }

  // ---- pass, fail and the defect -------------------------------------------------------

  function choose(result) {
    const radio = document.getElementById("result-" + result);
    if (radio) {
      radio.checked = true;
    }
    if (result === "pass" && el.defect) {
      el.defect.value = "";
    }
    showArmed();
  }

  function showArmed() {
    if (!el.armed) {
      return;
    }
    const armed = chosenResult() === "fail";
    el.armed.hidden = !armed;
    if (armed) {
      const label = el.defect && el.defect.value ? defectLabel(el.defect.value) : "";
      el.armed.textContent = label
        ? interpolate(
          gettext("FAIL armed: %(defect)s. The next scan is recorded as this fail (F2 or Esc disarms)."),
          { defect: label },
          true
        )
        : gettext("FAIL armed: choose the defect (keys 1–9 or scan its card). F2 or Esc disarms.");
    }
  }

  function defectOptions() {
    return el.defect ? Array.from(el.defect.options).filter(function (o) { return o.value; }) : [];
  }

  function chooseDefectByNumber(digit) {
    const option = defectOptions()[Number(digit) - 1];
    if (!option) {
      showAnswer("refused", interpolate(gettext("There is no defect number %(digit)s."), { digit: digit }, true));
      play("refused");
      return;
    }
    el.defect.value = option.value;
    showArmed();
  }

  function chooseDefectByCode(code) {
    const option = defectOptions().find(function (o) {
      return o.value.toLowerCase() === code.toLowerCase();
    });
    if (!option) {
      showAnswer(
        "refused",
        interpolate(gettext("The card %(code)s is not a defect reason in the list."), { code: code }, true)
      );
      play("refused");
      return;
    }
    choose("fail");
    el.defect.value = option.value;
    showArmed();
    play("waiting");
  }

  // A person picks defect N with the digit key while a fail is armed and the field is empty.
  // A scanner types a code starting with a digit just as well, but its next key follows
  // within milliseconds: then the digit was the code's, and goes into the field.
  function flushHeldDigit(asText) {
    if (heldDigit === null) {
      return;
    }
    window.clearTimeout(heldTimer);
    const digit = heldDigit;
    heldDigit = null;
    if (asText) {
      input.value = digit + input.value;
    } else {
      chooseDefectByNumber(digit);
    }
  }

  // ---- keys ----------------------------------------------------------------------------

  function modalOpen() {
    return document.querySelector(".modal.show") !== null;
  }

  function focusInput() {
    if (stepOpen) {
      return; // a step after the scan has the keyboard
    }
    if (document.activeElement !== input && !modalOpen()) {
      input.focus({ preventScroll: true });
    }
  }

  function typesText(target) {
    return target === input || (target.matches && target.matches("input[type=text], textarea"));
  }

  function openDialog(id) {
    const dialog = document.getElementById(id);
    const opener = document.querySelector("[data-bs-target='#" + id + "']");
    if (dialog && opener && !opener.disabled && window.bootstrap) {
      window.bootstrap.Modal.getOrCreateInstance(dialog).toggle();
    }
  }

  const FUNCTION_KEYS = {
    F1: function () { openDialog("help-instructions"); },
    F2: function () { choose("pass"); },
    F3: function () { openDialog("help-pictures"); },
    F4: function () { choose("fail"); },
    F6: function () {
      if (el.part && el.part.tagName === "SELECT" && el.part.options.length) {
        el.part.selectedIndex = (el.part.selectedIndex + 1) % el.part.options.length;
      }
    },
    F7: function () {
      const camera = document.getElementById("scan-camera");
      if (camera && !camera.hidden) {
        camera.click();
      }
    },
    F8: acknowledgeAll,
    F9: toggleMute,
  };

  document.addEventListener(
    "keydown",
    function (event) {
      if (stepOpen) {
        return; // the step after the scan reads its own keys
      }
      const plain = !event.ctrlKey && !event.altKey && !event.metaKey;
      if (heldDigit !== null && event.key !== "Shift") {
        flushHeldDigit(true); // another key this soon: the digit was a scanner's
      }
      if (FUNCTION_KEYS[event.key] && plain) {
        event.preventDefault();
        FUNCTION_KEYS[event.key]();
        focusInput();
        return;
      }
      if (event.key === "Escape") {
        if (modalOpen()) {
          return; // the dialog closes
        }
        if (window.ScanComponents && window.ScanComponents.cancel()) {
          // the step dropped the scan and said so
        } else if (pendingUsid) {
          pendingUsid = "";
          showPrompt();
        } else {
          choose("pass");
        }
        focusInput();
        return;
      }
      const intoField = event.target === input || !typesText(event.target);
      if (!intoField || !plain) {
        return;
      }
      if (event.key === "Enter") {
        if (event.target === input || input.value !== "") {
          event.preventDefault();
          take();
        }
        return;
      }
      if (event.key.length !== 1) {
        return;
      }
      if (/^[1-9]$/.test(event.key) && chosenResult() === "fail" && input.value === "") {
        event.preventDefault();
        heldDigit = event.key;
        heldTimer = window.setTimeout(function () {
          flushHeldDigit(false);
        }, HAND_KEY_MS);
        return;
      }
      if (event.target !== input) {
        // A dialog is open or a list has the focus: the scanner's keys still go to the scan.
        event.preventDefault();
        input.value += event.key;
      }
    },
    true
  );

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    take();
    focusInput();
  });

  // ---- pointer, focus, sound -----------------------------------------------------------

  // Buttons and labels never take the focus from the USID field: a scanner may type the
  // next code a few milliseconds after a tap, and it must land in the field.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest("button, label, .btn") && !event.target.closest(".modal")) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    const ack = event.target.closest("[data-ack]");
    if (ack) {
      acknowledge(ack.dataset.ack);
    }
    if (event.target.closest("#scan-ack")) {
      acknowledgeAll();
    }
    if (event.target.closest("select, .modal, [data-bs-toggle=modal]")) {
      return;
    }
    focusInput();
    window.setTimeout(focusInput, 0);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select, input[type=radio]")) {
      if (event.target.id === "scan-defect" && event.target.value) {
        choose("fail");
      }
      showArmed();
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

  function acknowledge(scanId) {
    update(function (state) {
      for (const scan of state.log) {
        if (scan.scan_id === scanId) {
          scan.acknowledged = true;
        }
      }
    });
  }

  function acknowledgeAll() {
    update(function (state) {
      for (const scan of state.log) {
        scan.acknowledged = true;
      }
    });
  }

  function isMuted() {
    return window.localStorage.getItem(MUTE_KEY) === "1";
  }

  function showMuted() {
    const muted = isMuted();
    el.mute.setAttribute("aria-pressed", muted ? "true" : "false");
    el.mute.replaceChildren(document.createTextNode((muted ? gettext("Sound off") : gettext("Sound on")) + " "));
    const key = document.createElement("kbd");
    key.textContent = "F9";
    el.mute.appendChild(key);
  }

  function toggleMute() {
    window.localStorage.setItem(MUTE_KEY, isMuted() ? "0" : "1");
    showMuted();
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

  el.mute.addEventListener("click", toggleMute);

  // The camera (scan_camera.js) hands what it decoded to the same queue.
  screen.addEventListener("scan:decoded", function (event) {
    takeText(event.detail.text);
  });

  showMuted();
  showArmed();
  render(load());
  window.setInterval(function () {
    const state = load();
    if (state.queue.length) {
      render(state); // keeps "since when" and the minutes current
    }
  }, 15000);
  focusInput();
  send();
})();
