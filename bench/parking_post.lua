-- wrk script: durable parking-case POSTs, each with its own Idempotency-Key.
local token = os.getenv("TOKEN")
local counter = 0
local thread_id = 0
function setup(thread)
  thread:set("tid", thread_id)
  thread_id = thread_id + 1
end
function init(args)
  math.randomseed(os.time() + tid)
end
request = function()
  counter = counter + 1
  local lon = 135.545 + math.random() * 0.04
  local lat = 34.765 + math.random() * 0.025
  local body = string.format('{"type":"Feature","geometry":{"type":"Point","coordinates":[%.6f,%.6f]},"properties":{"observed_at":"2026-01-05T10:00:00+09:00","category":"違法駐車","vehicle_type":"普通"}}', lon, lat)
  return wrk.format("POST", "/api/parking/incidents", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/geo+json",
    ["Idempotency-Key"] = string.format("wrk-%d-%d-%d", tid, counter, os.time()),
  }, body)
end
