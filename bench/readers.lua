-- Every request is a new reader (a User-Agent of its own), so each release view counts once
-- (feedserver/audience/views.py) and the run measures the counting path: wrk -s bench/readers.lua URL
local counter = 0

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 100000)
end

function request()
  counter = counter + 1
  local id = math.random(1, 1000000000) .. "-" .. counter
  return wrk.format(nil, nil, {["User-Agent"] = "Mozilla/5.0 bench-reader/" .. id})
end
