-- wrk script: k=5 nearest-pipe requests at random points inside the benchmark grid, or, with
-- POINTS set, at the points of that file ("lon lat" per line, tools/gen_city_ledger.py) in turn.
local spread = tonumber(os.getenv("SPREAD_M") or "3000")
local points = {}
local file = os.getenv("POINTS")
if file then
  for line in io.lines(file) do
    local lon, lat = line:match("^(%S+) (%S+)$")
    if lon then points[#points + 1] = {lon, lat} end
  end
end
math.randomseed(os.time())
local i = math.random(1, 1000)
request = function()
  if #points > 0 then
    i = i % #points + 1
    return wrk.format("GET", "/api/sewer/nearest?lon=" .. points[i][1] .. "&lat=" .. points[i][2] .. "&k=5")
  end
  local lon = 135.566 + (math.random() * 2 - 1) * spread / 91600
  local lat = 34.776 + (math.random() * 2 - 1) * spread / 110950
  return wrk.format("GET", string.format("/api/sewer/nearest?lon=%.7f&lat=%.7f&k=5", lon, lat))
end
