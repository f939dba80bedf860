-- Quota guardian (F2.5): one atomic decision on whether a WhatsApp message may go out now.
--
-- KEYS (one hash tag, so Redis Cluster keeps them on one slot):
--   1 phones    hash  phone_id -> "STATUS|daily_limit"   (mirror of outreach.wa_phone_numbers)
--   2 usage     hash  "n|<phone_id>|<local date>" -> new contacts, "f|…" -> follow-ups, "day" -> date
--   3 assign    hash  lead_id -> phone_id                 (sticky assignment)
--   4 portfolio zset  lead_id scored by ms                (unique new contacts, moving 24 h)
-- ARGV:
--   1 lead_id  2 cost (1 new contact, 0 follow-up)  3 clock override in ms ("" = Redis TIME)
--   4 the tenant's hours: "opening minute|closing minute (exclusive)|open ISO weekdays|TTL ms|UTC offsets"
--     with the offsets as "start_ms:offset_min,…" ascending (the tenant's zone around now)
--   5 portfolio cap (0 = none)  6 phone_id to use ("" = sticky, else the least used)
-- Returns JSON: allowed, reason, phone_id, used, limit, retry_after_ms, next_allowed_at_ms, now_ms, date.
if redis.replicate_commands then redis.replicate_commands() end

local DAY = 86400000
local lead, cost = ARGV[1], tonumber(ARGV[2])
local now
if ARGV[3] ~= '' then
  now = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local o_min, c_min, weekdays, ttl_ms, zone = string.match(ARGV[4], '^(%d+)|(%d+)|(%d+)|(%d+)|(.*)$')
local open_min, close_min, ttl = tonumber(o_min), tonumber(c_min), tonumber(ttl_ms)
local cap, wanted = tonumber(ARGV[5]), ARGV[6]

local starts, offsets = {}, {}
for s, o in string.gmatch(zone, '(-?%d+):(-?%d+)') do
  starts[#starts + 1] = tonumber(s)
  offsets[#offsets + 1] = tonumber(o)
end

local function offset(t)  -- minutes east of UTC at instant t
  local o = offsets[1]
  for i = 2, #starts do
    if starts[i] <= t then o = offsets[i] else break end
  end
  return o
end

local function local_ms(t) return t + offset(t) * 60000 end

local function to_utc(l)  -- a local wall-clock time (ms) to the instant
  local u = l - offset(l) * 60000
  return l - offset(u) * 60000
end

local function ymd(days)  -- civil date of a day number (days since 1970-01-01)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return string.format('%04d-%02d-%02d', y, m, d)
end

local function open_day(days)  -- ISO weekday: 1970-01-01 was a Thursday (4)
  local wd = (days + 3) % 7 + 1
  return string.find(weekdays, tostring(wd), 1, true) ~= nil
end

local function next_open(t)  -- the first instant >= t inside business hours (nil: never)
  local l = local_ms(t)
  local day = math.floor(l / DAY)
  for i = 0, 8 do
    local d = day + i
    if open_day(d) then
      local o, c = d * DAY + open_min * 60000, d * DAY + close_min * 60000
      if l < o then return to_utc(o) end
      if l < c then return t end
    end
  end
  return nil
end

local function refuse(reason, at, extra)
  local r = {allowed = false, reason = reason, now_ms = now, cost = cost}
  if at then
    r.next_allowed_at_ms = at
    r.retry_after_ms = at - now
  end
  if extra then for k, v in pairs(extra) do r[k] = v end end
  return cjson.encode(r)
end

local l = local_ms(now)
local today = math.floor(l / DAY)
local date = ymd(today)
local opening = next_open(now)
if opening ~= now then
  return refuse('OUTSIDE_BUSINESS_HOURS', opening, {date = date})
end

-- A new day: drop the counters of earlier days (the hash holds at most today's).
if redis.call('HGET', KEYS[2], 'day') ~= date then
  local fields = redis.call('HKEYS', KEYS[2])
  for _, f in ipairs(fields) do
    if f ~= 'day' and string.sub(f, -10) ~= date then redis.call('HDEL', KEYS[2], f) end
  end
  redis.call('HSET', KEYS[2], 'day', date)
  redis.call('PEXPIRE', KEYS[2], ttl)
end

-- Every phone and today's counters, read once.
local phones = {}
local ids = {}
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  local v = flat[i + 1]
  local sep = string.find(v, '|', 1, true)
  phones[flat[i]] = {string.sub(v, 1, sep - 1), tonumber(string.sub(v, sep + 1))}
  ids[#ids + 1] = flat[i]
end

local today_new = {}  -- phone -> new contacts today
if #ids > 0 then
  local fields = {}
  for i, id in ipairs(ids) do fields[i] = 'n|' .. id .. '|' .. date end
  local counts = redis.call('HMGET', KEYS[2], unpack(fields))
  for i, id in ipairs(ids) do today_new[id] = tonumber(counts[i] or '0') or 0 end
end

local function used(id)
  return today_new[id] or 0
end

local sticky = redis.call('HGET', KEYS[3], lead)

local function active(id)
  local p = phones[id]
  return p ~= nil and p[1] == 'ACTIVE'
end

local function least_used(with_room)  -- the active phone with the fewest new contacts today (ties: id)
  local best, fewest = nil, nil
  for _, id in ipairs(ids) do
    local p, n = phones[id], today_new[id]
    if p[1] == 'ACTIVE' and (not with_room or n < p[2])
        and (best == nil or n < fewest or (n == fewest and id < best)) then
      best, fewest = id, n
    end
  end
  return best
end

local function admitted(id, n)
  if sticky ~= id then redis.call('HSET', KEYS[3], lead, id) end
  redis.call('PEXPIRE', KEYS[2], ttl)
  return cjson.encode({
    allowed = true, reason = 'OK', phone_id = id, used = n, limit = phones[id][2], cost = cost,
    reassigned = (sticky and sticky ~= id) and true or false, now_ms = now, date = date,
  })
end

if cost == 0 then  -- a follow-up never spends quota: it needs only an active phone
  local id = wanted ~= '' and wanted or sticky or least_used(false)
  if not id or not active(id) then
    return refuse('PHONE_NOT_ACTIVE', nil, {date = date, phone_id = id or nil})
  end
  redis.call('HINCRBY', KEYS[2], 'f|' .. id .. '|' .. date, 1)
  return admitted(id, used(id))
end

-- A new contact: the portfolio's unique contacts over the moving 24 hours first.
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - DAY)
  if not redis.call('ZSCORE', KEYS[4], lead) then
    local portfolio_used = redis.call('ZCARD', KEYS[4])
    if portfolio_used >= cap then
      local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
      return refuse('PORTFOLIO_CAP', next_open(tonumber(oldest[2]) + DAY + 1),
        {date = date, portfolio_used = portfolio_used, portfolio_cap = cap})
    end
  end
end

local id
if wanted ~= '' then
  if not active(wanted) then return refuse('PHONE_NOT_ACTIVE', nil, {date = date, phone_id = wanted}) end
  if used(wanted) < phones[wanted][2] then id = wanted end
elseif sticky and active(sticky) and used(sticky) < phones[sticky][2] then
  id = sticky
else
  id = least_used(true)
  if not id and not least_used(false) then return refuse('PHONE_NOT_ACTIVE', nil, {date = date}) end
end
if not id then
  -- Every usable phone is full today: the next chance is tomorrow's opening.
  return refuse('QUOTA_EXHAUSTED', next_open(to_utc((today + 1) * DAY)), {date = date})
end
local n = redis.call('HINCRBY', KEYS[2], 'n|' .. id .. '|' .. date, 1)
if cap > 0 then
  redis.call('ZADD', KEYS[4], now, lead)
  redis.call('PEXPIRE', KEYS[4], ttl)
end
return admitted(id, n)
