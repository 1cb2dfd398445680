-- bench/wrk/mix.lua: the read traffic a worker lives on, for the memory
-- and file-descriptor check: static files of the web UI, seat maps and
-- health checks, in turn.
--
-- Env: CONCERT_ID, SECTIONS ("A,B,..."), STATIC ("/,/js/app.js,...").

local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local reqs = {}
local n = 0

function init(args)
	local concert = env_number("CONCERT_ID", nil) or error("CONCERT_ID is not set")
	local statics = env_list("STATIC", "/")
	local sections = env_list("SECTIONS", "A")
	-- One static file, one seat map, one health check, round and round.
	for k = 1, math.max(#statics, #sections) do
		table.insert(reqs, wrk.format("GET", statics[(k - 1) % #statics + 1]))
		table.insert(reqs, wrk.format("GET", string.format(
		    "/api/v1/concerts/%d/seats?section=%s", concert,
		    sections[(k - 1) % #sections + 1])))
		table.insert(reqs, wrk.format("GET", "/healthz"))
	end
	n = id
end

function request()
	n = n + 1
	return reqs[n % #reqs + 1]
end
