-- GET .../recommend?itemId=... with item ids from a file, one a line (also drives bench/empty_app.py, which
-- ignores the query and the key, so that both maximum-throughput runs send the same requests).
--   wrk -s bench/wrk/item_to_item.lua URL -- ids=FILE key=API_KEY count=10 [order=random|distinct] [extra=FILE]
--                                            [rate=N threads=T]
-- order=random: each request picks a line at random (a file of ids drawn by popularity gives realistic traffic);
-- order=distinct: the lines in turn, each thread taking every T-th, so no id repeats until the file is used up.
-- extra=FILE: each request also appends a line of that file picked at random (query parameters such as rules,
-- each line starting with '&').
package.path = debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua;" .. package.path
local pacing = require("pacing")

local ids, extras, query_suffix, distinct, position, step

setup = pacing.setup
done = pacing.done

function init(args)
   local options = pacing.parse_args(args)
   pacing.init(options)
   ids = pacing.read_lines(options.ids)
   if options.extra then extras = pacing.read_lines(options.extra) end
   distinct = options.order == "distinct"
   step = tonumber(options.threads or "1")
   position = (thread_index or 0) + 1
   query_suffix = "&recommendationCount=" .. (options.count or "10")
   wrk.headers["x-api-key"] = options.key
end

function request()
   local item_id
   if distinct then
      item_id = ids[(position - 1) % #ids + 1]
      position = position + step
   else
      item_id = ids[math.random(#ids)]
   end
   local extra = extras and extras[math.random(#extras)] or ""
   return wrk.format("GET", wrk.path .. "?itemId=" .. item_id .. query_suffix .. extra)
end
