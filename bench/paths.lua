-- Cycle through request paths listed one per line in a file: wrk -s bench/paths.lua URL -- FILE
-- Each wrk thread starts at its own place, so the threads do not ask for the same path at once.
local paths = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  counter = math.random(#paths)
end

function request()
  counter = counter % #paths + 1
  return wrk.format(nil, paths[counter])
end
