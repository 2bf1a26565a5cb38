-- POST .../recommend with a JSON body of usage events, each request a body picked at random from a file
-- of bodies, one JSON array a line.
--   wrk -s bench/wrk/personalized.lua URL -- bodies=FILE key=API_KEY count=10 [rate=N threads=T]
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local pacing = require("pacing")

local bodies, path

setup = pacing.setup
done = pacing.done

function init(args)
   local options = pacing.parse_args(args)
   pacing.init(options)
   bodies = pacing.read_lines(options.bodies)
   path = wrk.path .. "?recommendationCount=" .. (options.count or "10")
   wrk.headers["x-api-key"] = options.key
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   return wrk.format("POST", path, nil, bodies[math.random(#bodies)])
end
