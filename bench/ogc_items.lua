-- wrk script: OGC API items in a random 300 m box inside the benchmark grid, limit=100.
local spread = tonumber(os.getenv("SPREAD_M") or "3000")
math.randomseed(os.time())
local dx, dy = 150 / 91600, 150 / 110950
request = function()
  local lon = 135.566 + (math.random() * 2 - 1) * spread / 91600
  local lat = 34.776 + (math.random() * 2 - 1) * spread / 110950
  return wrk.format("GET", string.format("/ogc/collections/sewer_pipes/items?bbox=%.7f,%.7f,%.7f,%.7f&limit=100",
    lon - dx, lat - dy, lon + dx, lat + dy))
end
