-- bench/wrk/common.lua: what every wrk scenario of `make bench` shares.
--
-- Loaded with dofile() by the scenario scripts (onsale.lua, seatmap.lua,
-- mix.lua). It gives each wrk thread an id (thread.id, 0-based), lets a
-- scenario count answers per HTTP status in each thread (count_status),
-- and prints one line at the end:
--
--   RESULT {"requests":..,"seconds":..,"rps":..,"latency_ms":{..},
--           "status":{"201":..,"409":..},"socket_errors":{..}}
--
-- which scripts/bench.sh keeps (bench/*.sh grep it out of wrk's output).
-- Configuration comes from the environment (os.getenv), never from
-- arguments, so one command line shape fits every scenario.

local threads = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

-- Per-thread counters, read back in done() with thread:get().
status_counts = {}

function count_status(status)
	local k = tostring(status)
	status_counts[k] = (status_counts[k] or 0) + 1
end

function env_number(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	local n = tonumber(v)
	if n == nil then
		error(name .. " must be a number, not '" .. v .. "'")
	end
	return n
end

function env_list(name, default)
	local v = os.getenv(name)
	local out = {}
	if v == nil or v == "" then
		v = default
	end
	for item in string.gmatch(v, "[^,]+") do
		table.insert(out, item)
	end
	return out
end

local function json_value(v)
	if type(v) == "table" then
		local parts = {}
		for k, x in pairs(v) do
			table.insert(parts, string.format("%q:%s", tostring(k), json_value(x)))
		end
		table.sort(parts)
		return "{" .. table.concat(parts, ",") .. "}"
	elseif type(v) == "number" then
		if v ~= v or v == math.huge or v == -math.huge then
			return "null"
		end
		if v == math.floor(v) then
			return string.format("%d", v)
		end
		return string.format("%.3f", v)
	end
	return string.format("%q", tostring(v))
end

function done(summary, latency, requests)
	local status = {}
	for _, t in ipairs(threads) do
		local c = t:get("status_counts") or {}
		for k, v in pairs(c) do
			status[k] = (status[k] or 0) + v
		end
	end
	local seconds = summary.duration / 1e6
	local ms = function(us) return us / 1000 end
	local out = {
		requests = summary.requests,
		seconds = seconds,
		rps = summary.requests / seconds,
		bytes = summary.bytes,
		latency_ms = {
			p50 = ms(latency:percentile(50)),
			p90 = ms(latency:percentile(90)),
			p99 = ms(latency:percentile(99)),
			max = ms(latency.max),
			mean = ms(latency.mean),
		},
		status = status,
		non_2xx_3xx = summary.errors.status,
		socket_errors = {
			connect = summary.errors.connect,
			read = summary.errors.read,
			write = summary.errors.write,
			timeout = summary.errors.timeout,
		},
	}
	io.write("RESULT " .. json_value(out) .. "\n")
end
