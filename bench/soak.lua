-- The route mix of bench/soak.py, for wrk (see that script's docstring):
--
--   wrk -t2 -c64 -d60s --latency -s bench/soak.lua http://127.0.0.1:PORT -- URL_PREFIX CODE...
--
-- URL_PREFIX starts the long URL of every seeded link (and of the links that
-- the API writes make); the CODEs are the seeded links' short codes.
--
-- Each thread cycles through MIX. wrk does not say which request a response
-- answers (a thread serves many connections at once), so a response is told
-- apart by what it looks like: its Location, its Content-Type, the start of
-- its JSON, the <title> of its page. Responses are counted by route kind and
-- status; one whose status is not the one EXPECTED for its kind, or that
-- looks like no kind at all ("unidentified"), is unexpected, and the first
-- of each kind and status is kept as a sample. done() prints everything as
-- lines that start with "soak ", after wrk's own report.

local EXPECTED = {
  page = 200,
  about = 200,
  static = 200,
  api_list = 200,
  api_show = 200,
  api_write = 201,
  redirect = 302,
  not_found = 404,
  inspect = 200,
}

-- The kinds in the order of the report.
local KINDS = {
  "page", "about", "static", "api_list", "api_show", "api_write", "redirect", "not_found", "inspect",
}

-- A link shortener's traffic is mostly redirects; then pages and API reads.
local MIX = {
  "redirect", "page", "api_show", "static", "redirect", "not_found", "api_list", "about",
  "redirect", "page", "api_show", "static", "redirect", "api_write", "inspect", "not_found",
}

-- What the pages say in their <title>, for the kinds whose responses are pages.
local TITLES = { ["Short links"] = "page", About = "about", ["Your request"] = "inspect" }

-- Unexpected responses described in full, per thread: the first of each kind and status.
local MAX_SAMPLES = 10

-- In wrk's main Lua state: every thread, to collect its counts in done().
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- In each thread's own Lua state, from here on.

function init(args)
  url_prefix = args[1]
  codes = {}
  for i = 2, #args do
    table.insert(codes, args[i])
  end
  if url_prefix == nil or #codes == 0 then
    error("usage: wrk ... -s soak.lua URL -- URL_PREFIX CODE...")
  end
  -- Globals, so that done() can read them with thread:get().
  sent = {}        -- kind -> requests sent
  answered = {}    -- "kind status" -> responses
  samples = {}     -- "kind status" -> the first such unexpected response, described
  kept = 0         -- how many samples
  position = 0     -- where this thread is in MIX
  serial = 0       -- this thread's request count, to vary paths and bodies
  -- wrk.format() sends the headers it is given instead of wrk.headers (but Host).
  json_headers = { ["Content-Type"] = "application/json" }
  for name, value in pairs(wrk.headers) do
    json_headers[name] = value
  end
  fixed = {
    page = wrk.format("GET", "/"),
    about = wrk.format("GET", "/about"),
    static = wrk.format("GET", "/static/style.css"),
    api_list = wrk.format("GET", "/api/links"),
    inspect = wrk.format("GET", "/inspect"),
  }
end

local function known_code()
  return codes[serial % #codes + 1]
end

local build = {
  api_show = function()
    return wrk.format("GET", "/api/links/" .. known_code())
  end,
  api_write = function()
    local body = string.format('{"url": "%swrite-%d-%d"}', url_prefix, id, serial)
    return wrk.format("POST", "/api/links", json_headers, body)
  end,
  redirect = function()
    return wrk.format("GET", "/" .. known_code())
  end,
  not_found = function()
    -- A new path every time: nothing keyed by the path may grow without bound.
    return wrk.format("GET", string.format("/nosuch-%d-%d", id, serial))
  end,
}

-- wrk calls it once more than it sends: before the run, to look for pipelining.
function request()
  position = position % #MIX + 1
  serial = serial + 1
  local kind = MIX[position]
  sent[kind] = (sent[kind] or 0) + 1
  return fixed[kind] or build[kind]()
end

local function header(headers, name)
  if headers[name] ~= nil then
    return headers[name]
  end
  local wanted = name:lower()
  for key, value in pairs(headers) do
    if key:lower() == wanted then
      return value
    end
  end
  return ""
end

local function mentions_known_code(body)
  for _, code in ipairs(codes) do
    if body:find(code, 1, true) then
      return true
    end
  end
  return false
end

-- Which kind of request a response answers, from what it looks like.
local function identify(headers, body)
  local location = header(headers, "Location")
  if location:find("/api/links/", 1, true) == 1 then
    return "api_write"
  end
  if location:find(url_prefix, 1, true) == 1 then
    return "redirect"
  end
  if header(headers, "Content-Type"):find("text/css", 1, true) == 1 then
    return "static"
  end
  if body:find('{"links":', 1, true) == 1 then
    return "api_list"
  end
  if body:find('{"code":', 1, true) == 1 then
    return "api_show"
  end
  if body:find('{"error":', 1, true) == 1 and mentions_known_code(body) then
    return "api_show" -- a known code was not found, or failed otherwise
  end
  local title = body:match("<title>(.-)</title>")
  if title == "Not found" then
    if body:find("nosuch-", 1, true) then
      return "not_found"
    end
    if mentions_known_code(body) then
      return "redirect" -- a known code was not found
    end
  end
  return TITLES[title] or "unidentified"
end

local function describe(status, kind, headers, body)
  -- What a reader sees of a page: its text after the <head>, without tags.
  local text = body:gsub("^.-</head>", ""):gsub("<[^>]*>", " "):gsub("%s+", " ")
  text = text:sub(1, 240)
  return string.format(
    "%d %s | Content-Type: %s | Location: %s | %s",
    status, kind, header(headers, "Content-Type"), header(headers, "Location"), text
  )
end

function response(status, headers, body)
  local kind = identify(headers, body)
  local key = kind .. " " .. status
  answered[key] = (answered[key] or 0) + 1
  if EXPECTED[kind] ~= status and samples[key] == nil and kept < MAX_SAMPLES then
    samples[key] = describe(status, kind, headers, body)
    kept = kept + 1
  end
end

-- Back in wrk's main Lua state, once every thread has stopped.

local function add(into, from)
  for key, count in pairs(from or {}) do
    into[key] = (into[key] or 0) + count
  end
end

function done(summary, latency, requests)
  local all_sent, all_answered, all_samples = {}, {}, {}
  for _, thread in ipairs(threads) do
    add(all_sent, thread:get("sent"))
    add(all_answered, thread:get("answered"))
    for key, sample in pairs(thread:get("samples") or {}) do
      all_samples[key] = all_samples[key] or sample
    end
  end
  local lines = {}
  local function emit(...)
    table.insert(lines, table.concat({ "soak", ... }, " "))
  end
  for _, kind in ipairs(KINDS) do
    emit("expect", kind, EXPECTED[kind])
  end
  for kind, count in pairs(all_sent) do
    emit("sent", kind, count)
  end
  for key, count in pairs(all_answered) do
    emit("answered", key, count)
  end
  for _, sample in pairs(all_samples) do
    emit("sample", sample)
  end
  emit("summary", "duration_us", summary.duration)
  emit("summary", "requests", summary.requests)
  emit("summary", "bytes", summary.bytes)
  for _, name in ipairs({ "connect", "read", "write", "status", "timeout" }) do
    emit("error", name, summary.errors[name])
  end
  emit("latency_us", "mean", latency.mean)
  emit("latency_us", "max", latency.max)
  for _, p in ipairs({ 50, 75, 90, 99, 99.9 }) do
    emit("latency_us", p, latency:percentile(p))
  end
  io.write(table.concat(lines, "\n"), "\n")
end
