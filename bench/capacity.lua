-- Trainees studying at a realistic pace, for bench/capacity.py (read its docstring first).
--
-- Each wrk thread owns one connection and a slice of the trainees. Every trainee has a fixed schedule
-- (open loop): the curriculum page on arrival (a session of 30 minutes), a lesson page every 45 s, a
-- time-on-task heartbeat every 30 s, "mark complete" every 10 minutes, a quiz (start, the attempt page,
-- submit) every 30 minutes. A request is
-- timed from the moment it was due, not from when the connection got round to sending it, so a slow server
-- shows as latency instead of as fewer requests (no coordinated omission).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } capacity_timespec;
int clock_gettime(int clock, capacity_timespec *tp);
]]
local timespec = ffi.new("capacity_timespec")
local function now()
  ffi.C.clock_gettime(0, timespec) -- CLOCK_REALTIME: the driver gives the start as a Unix time
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) * 1e-9
end

-- A study session lasts 30 minutes and opens with the curriculum page: trainees arrive at a fixed rate of
-- N / 1800 a second, and N of them are studying at any moment.
local PERIOD = { curriculum = 1800, lesson = 45, heartbeat = 30, complete = 600, quiz_start = 1800 }

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

-- Per thread -------------------------------------------------------------------------------------------
local data, trainees, heap, csrf, measure_from, measure_to
local origin  -- scheme://host:port of the server, for the Referer a browser sends with a same-origin form
local current -- the event whose request is on the wire
hist = {}     -- kind -> { [ms] = count } for requests due inside the measured window
errors = {}   -- kind -> { [status] = count }
sent = {}     -- kind -> requests due inside the window
serialised = 0
report = ""   -- the three tables as text, for done(): wrk copies strings out of a thread reliably, not tables

local function push(event)
  heap[#heap + 1] = event
  local i = #heap
  while i > 1 do
    local parent = math.floor(i / 2)
    if heap[parent].due <= heap[i].due then break end
    heap[parent], heap[i] = heap[i], heap[parent]
    i = parent
  end
end

local function pop()
  local top = heap[1]
  local last = table.remove(heap)
  if #heap > 0 then
    heap[1] = last
    local i = 1
    while true do
      local l, r, m = 2 * i, 2 * i + 1, i
      if l <= #heap and heap[l].due < heap[m].due then m = l end
      if r <= #heap and heap[r].due < heap[m].due then m = r end
      if m == i then break end
      heap[m], heap[i] = heap[i], heap[m]
      i = m
    end
  end
  return top
end

function init(args)
  data = dofile(os.getenv("CAPACITY_DATA"))
  origin = wrk.scheme .. "://" .. wrk.host .. ":" .. wrk.port
  csrf = data.csrf
  local start = data.start
  measure_from, measure_to = start + data.warmup, start + data.warmup + data.window
  local index, count = wrk.thread:get("index"), data.threads
  math.randomseed(index * 7919)
  trainees, heap = {}, {}
  for i = index, #data.trainees, count do
    local t = data.trainees[i]
    local program = data.programs[t.program]
    local trainee = { cookie = t.cookie, lessons = program.lessons, modules = program.modules,
                      position = math.random(#program.lessons) }
    trainees[#trainees + 1] = trainee
    -- Every trainee is somewhere in a study session when the run starts: each schedule starts at a random
    -- point of its period, so the load is at its steady rate from the first second.
    for kind, period in pairs(PERIOD) do
      push({ due = start + period * math.random(), kind = kind, trainee = trainee })
    end
  end
end

function delay()
  if #heap == 0 then return 60000 end
  local wait = (heap[1].due - now()) * 1000
  if wait < 0 then return 0 end
  return math.floor(wait)
end

local function headers(trainee, form, plain)
  local h = { ["Cookie"] = data.cookie_name .. "=" .. trainee.cookie, ["User-Agent"] = data.user_agent }
  -- As a browser asks, the app compresses its answers (Brotli), which costs the server processor time. Not the
  -- quiz's attempt page, whose form this script reads to answer it (wrk does not decompress).
  if not plain then h["Accept-Encoding"] = "gzip, deflate, br" end
  if form then
    h["Content-Type"] = "application/x-www-form-urlencoded"
    -- Over HTTPS the app (Flask-WTF) checks that a form comes from its own pages, as browsers tell it.
    h["Referer"] = origin .. "/lessons/" .. trainee.lessons[trainee.position]
  end
  return h
end

local function lesson_of(trainee)
  return trainee.lessons[trainee.position]
end

function serialise()
  local lines = {}
  for name, tbl in pairs({ hist = hist, errors = errors, sent = sent }) do
    for kind, row in pairs(tbl) do
      local parts = {}
      for key, n in pairs(row) do parts[#parts + 1] = key .. ":" .. n end
      lines[#lines + 1] = "CAPACITY " .. name .. " " .. kind .. " " .. table.concat(parts, ",")
    end
  end
  return table.concat(lines, "\n")
end

local function count(tbl, kind, key)
  local row = tbl[kind]
  if row == nil then row = {}; tbl[kind] = row end
  row[key] = (row[key] or 0) + 1
end

function request()
  if #heap == 0 or heap[1].due > now() + 0.005 then
    current = nil -- the connection's first request comes before any event is due: not counted
    return wrk.format("GET", "/healthz")
  end
  current = pop()
  local e, t = current, current.trainee
  if e.due >= measure_from and e.due <= measure_to then count(sent, e.kind, "n") end
  if e.kind == "curriculum" then
    return wrk.format("GET", "/my/curriculum", headers(t))
  elseif e.kind == "lesson" then
    t.position = t.position % #t.lessons + 1
    return wrk.format("GET", "/lessons/" .. lesson_of(t), headers(t))
  elseif e.kind == "heartbeat" then
    return wrk.format("POST", "/learning/lessons/" .. lesson_of(t) .. "/heartbeat", headers(t, true),
      "csrf_token=" .. csrf)
  elseif e.kind == "complete" then
    return wrk.format("POST", "/learning/lessons/" .. lesson_of(t) .. "/complete", headers(t, true),
      "csrf_token=" .. csrf)
  elseif e.kind == "quiz_start" then
    local module = t.modules[math.floor((t.position - 1) / data.lessons_per_module) + 1] or t.modules[1]
    return wrk.format("POST", "/learning/modules/" .. module .. "/quiz/start", headers(t, true),
      "csrf_token=" .. csrf)
  elseif e.kind == "quiz_page" then
    return wrk.format("GET", e.path, headers(t, false, true))
  else -- quiz_submit
    return wrk.format("POST", e.path, headers(t, true), e.body)
  end
end

local function keep_cookie(trainee, h)
  local set = h["Set-Cookie"] or h["set-cookie"]
  if set then
    local value = set:match(data.cookie_name .. "=([^;]*)")
    if value and value ~= "" then trainee.cookie = value end
  end
end

function response(status, h, body)
  local e = current
  if e == nil then return end
  local t = e.trainee
  local done = now()
  local measured = e.due >= measure_from and e.due <= measure_to
  local ok = status < 400
  local follow
  if e.kind == "quiz_start" and ok then
    local location = h["Location"] or h["location"] or ""
    local path = location:match("(/learning/attempts/%d+)$")
    if path then follow = { kind = "quiz_page", path = path } else ok = false end
  elseif e.kind == "quiz_page" and ok then
    local fields, seen = { "csrf_token=" .. csrf }, {}
    for name, value in body:gmatch('name="(q%d+)" value="([^"]+)"') do
      if not seen[name] then seen[name] = true; fields[#fields + 1] = name .. "=" .. value end
    end
    if #fields == 1 then ok = false else
      follow = { kind = "quiz_submit", path = e.path, body = table.concat(fields, "&") }
    end
  elseif e.kind == "quiz_submit" and ok then
    local location = h["Location"] or h["location"] or ""
    if not location:match("/result$") then ok = false end
  end
  keep_cookie(t, h)
  if measured then
    count(hist, e.kind, math.floor((done - e.due) * 1000))
    if not ok then count(errors, e.kind, status) end
  end
  if follow then
    follow.due, follow.trainee = done, t
    push(follow)
  end
  local period = PERIOD[e.kind]
  if period then
    e.due = e.due + period
    push(e)
  end
  -- After the window every answer updates the figures; before, once a second (wrk copies them at the end).
  if done > measure_to or done - serialised > 1 then
    report, serialised = serialise(), done
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local text = thread:get("report")
    if text == "" then io.write("CAPACITY incomplete\n") else io.write(text, "\n") end
  end
  io.write("CAPACITY socket ", summary.errors.connect, " ", summary.errors.read, " ", summary.errors.write, " ",
    summary.errors.timeout, "\n")
end
