-- Shared by the load scripts: script arguments, a fixed arrival rate, and the result line.
--
-- wrk has no fixed-rate mode, but it asks delay() before every request. Each wrk
-- thread runs its own Lua state, shared by that thread's connections, so the
-- thread keeps one schedule of send slots (rate / threads per second) and every
-- connection that is ready takes the next free slot. A connection that is late
-- sends at once: the schedule is open-loop and catches up after a stall, which
-- is what clients arriving at a fixed rate would do. The achieved rate is
-- reported next to the target.
--
-- wrk times each request from its write to the end of its response, so the
-- reported latencies leave the pacing wait out.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } pacing_timespec;
int clock_gettime(int clock_id, pacing_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("pacing_timespec")

local M = {}

local function now_ms()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
   return tonumber(timespec.tv_sec) * 1e3 + tonumber(timespec.tv_nsec) / 1e6
end

-- key=value script arguments (after `--` on wrk's command line) into a table.
function M.parse_args(args)
   local options = {}
   for _, arg in ipairs(args) do
      local key, value = arg:match("^([%w_]+)=(.*)$")
      if key == nil then error("script argument must be key=value, got " .. arg) end
      options[key] = value
   end
   return options
end

-- Non-empty lines of a file, in order.
function M.read_lines(path)
   local lines = {}
   for line in io.lines(path) do
      if line ~= "" then lines[#lines + 1] = line end
   end
   if #lines == 0 then error("no lines in " .. path) end
   return lines
end

-- Number the threads, so that each one can seed its generator and take its share of the rate.
local threads = {}
function M.setup(thread)
   thread:set("thread_index", #threads)
   threads[#threads + 1] = thread
end

-- Call from init(args): rate=N (requests per second over all threads; absent or 0 = as fast as possible).
local interval_ms, next_slot = nil, nil
function M.init(options)
   local rate = tonumber(options.rate or "0")
   local thread_count = tonumber(options.threads or "1")
   if rate > 0 then
      interval_ms = 1000.0 * thread_count / rate
      -- wrk only asks delay() when the script defines it: an unpaced run must not define it at all.
      delay = M.delay
   end
   math.randomseed(1000 + (thread_index or 0))
end

function M.delay()
   local now = now_ms()
   local slot = next_slot or now
   next_slot = slot + interval_ms
   if slot <= now then return 0 end
   return math.floor(slot - now + 0.5)
end

-- Print one machine-readable line with wrk's figures; latencies in microseconds.
function M.done(summary, latency, requests)
   local errors = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'WRK_RESULT {"requests": %d, "seconds": %.3f, "rate": %.1f, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
      '"p999_us": %d, "max_us": %d, "mean_us": %.1f, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d}}\n',
      summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean,
      errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end

return M
