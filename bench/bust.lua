-- Add a unique query parameter to every request, so per-URL page caches always miss and the
-- run measures rendering the page from the database: wrk -s bench/bust.lua URL
-- Each request is also a new reader (a User-Agent of its own), so every release view counts.
local counter = 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  counter = counter + 1
  local sep = string.find(wrk.path, "?", 1, true) and "&" or "?"
  local id = math.random(1, 1000000000) .. "-" .. counter
  return wrk.format(nil, wrk.path .. sep .. "_=" .. id, {["User-Agent"] = "Mozilla/5.0 bench-reader/" .. id})
end
