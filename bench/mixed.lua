-- wrk script: the heavy mix of issue 10, item 4 — 10,000-item pages of sewer_pipes and zoom-10
-- tiles over the benchmark grid, alternating.
local n = 0
local lon, lat = 135.566, 34.776
local z = 10
local x = math.floor((lon + 180) / 360 * 2 ^ z)
local lr = math.rad(lat)
local y = math.floor((1 - math.log(math.tan(lr) + 1 / math.cos(lr)) / math.pi) / 2 * 2 ^ z)
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", string.format("/tiles/sewer_pipes/%d/%d/%d.mvt", z, x, y))
  end
  return wrk.format("GET", string.format("/ogc/collections/sewer_pipes/items?limit=10000&offset=%d", (n * 10000) % 90000))
end
