-- wrk script: k=5 nearest-pipe requests at random points inside the benchmark grid.
local spread = tonumber(os.getenv("SPREAD_M") or "3000")
math.randomseed(os.time())
request = function()
  local lon = 135.566 + (math.random() * 2 - 1) * spread / 91600
  local lat = 34.776 + (math.random() * 2 - 1) * spread / 110950
  return wrk.format("GET", string.format("/api/sewer/nearest?lon=%.7f&lat=%.7f&k=5", lon, lat))
end
