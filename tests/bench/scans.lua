-- wrk script of the scan benchmark (tests/bench/test_scan_bench.py): every request a distinct scan.
--
--   wrk -t2 -c16 -d5s -s tests/bench/scans.lua http://127.0.0.1:PORT -- SCENARIO PATH FIRST COUNT
--       STRIDE TAG PART_ID TOKEN_ID DEFECT_ID [AUTHORIZATION | COOKIE CSRF]
--
-- SCENARIO is one of:
--   bare      a new USID's registration body, sent to a view that only parses it;
--   register  a new USID (TAG and a counter per thread), first stage, part_no given;
--   next      the next stage (qc, pass) of a unit of the pre-registered pool;
--   fail      the same stage failed, with a defect reason;
--   components  the next stage with two components: the child unit K<n> of the pooled B<n>
--             (a finished unit of the part $BENCH_CHILD_PART_ID names) and a lot code;
--   data      the next stage passed with three values in "data" (QC_VALUES of the test);
--   screen    the next stage as the scan screen's queue sends it (static/js/scan_screen.js): its
--             form fields with a distinct scan_id, the session cookie, the CSRF header, and
--             "Accept: application/json" for the JSON answer; an answer not "recorded" is
--             counted under the status 299.
-- The pool is the USIDs B<FIRST + STRIDE * i> for i in [0, COUNT): each thread takes its own
-- share, so no unit is sent twice in a run. A path under /bench/ is the floor: its body names
-- the part, token and defect by id, as the plain SQL writes them.
--
-- done() prints one line, "WRK {json}": requests sent and answered, answers by status, and the
-- latency percentiles of wrk's own distribution (every request, in microseconds).

local threads = {}

function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
end

function init(args)
  scenario, path = args[1], args[2]
  first, count, stride = tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
  tag, part_id, token_id, defect_id = args[6], args[7], args[8], args[9]
  child_part_id = os.getenv("BENCH_CHILD_PART_ID") or "null"
  local thread_count = tonumber(os.getenv("WRK_THREADS") or "1")
  share = math.floor(count / thread_count)
  start = number * share
  sent, statuses = 0, {}
  floor = path:sub(1, 7) == "/bench/"
  form = scenario == "screen" and not floor
  headers = {}
  if form then
    headers["Content-Type"] = "application/x-www-form-urlencoded;charset=UTF-8"
    headers["Accept"] = "application/json"
    headers["Cookie"] = args[10]
    headers["X-CSRFToken"] = args[11]
  else
    headers["Content-Type"] = "application/json"
    if args[10] then headers["Authorization"] = args[10] end
  end
end

local function pooled()
  -- Past its share a thread sends its first units again: answered 200, which the test reports.
  return "B" .. (first + stride * (start + sent % share))
end

local function ids(extra)
  if not floor then return "" end
  return string.format(', "part_id": %s, "token_id": %s%s', part_id, token_id, extra or "")
end

function request()
  local body
  if scenario == "bare" or scenario == "register" then
    body = string.format('{"usid": "N%s-%d-%d", "stage": "smd", "part_no": "P0_Part"%s}',
      tag, number, sent, ids())
  elseif scenario == "next" or (scenario == "screen" and floor) then
    body = string.format('{"usid": "%s", "stage": "qc"%s}', pooled(), ids())
  elseif scenario == "data" then
    body = string.format(
      '{"usid": "%s", "stage": "qc", "data": {"v_out": 5.01, "i_in": 120.5, "fw": "2.1.0"}%s}',
      pooled(), ids())
  elseif scenario == "fail" then
    local defect = floor and "" or ', "defect": "solder_bridge"'
    body = string.format('{"usid": "%s", "stage": "qc", "result": "fail"%s%s}',
      pooled(), defect, ids(', "defect_id": ' .. defect_id))
  elseif scenario == "components" then
    local unit = pooled()
    body = string.format(
      '{"usid": "%s", "stage": "qc", "components": {"psu": "K%s", "paste": "LOT-%s"}%s}',
      unit, unit:sub(2), tag, ids(', "child_part_id": ' .. child_part_id))
  elseif form then
    body = string.format("code=%s&pending_usid=&result=pass&defect=&part_no=&scan_id=%s-%d-%d",
      pooled(), tag, number, sent)
  end
  sent = sent + 1
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if form and status == 200 and not body:find('"status": "recorded"', 1, true) then
    status = 299
  end
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total_sent, answers = 0, {}
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    for status, n in pairs(thread:get("statuses")) do
      answers[status] = (answers[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(answers) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK {"seconds": %.6f, "answered": %d, "sent": %d, "statuses": {%s}, ' ..
    '"socket_errors": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d}\n',
    summary.duration / 1e6, summary.requests, total_sent, table.concat(parts, ", "),
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
