-- bench/wrk/seatmap.lua: fans reading seat maps (k6/browse.js without the
-- If-None-Match, so every answer is the whole section: the worst case).
--
-- GET /api/v1/concerts/CONCERT_ID/seats?section=X with X at random among
-- SECTIONS. The same script reads the same URLs from nginx, which serves
-- each section's bytes as a static file (scripts/bench.sh renders its
-- config), so the two numbers compare like for like.
--
-- Env: CONCERT_ID, SECTIONS ("A,B,...").

local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local reqs = {}

function init(args)
	local concert = env_number("CONCERT_ID", nil) or error("CONCERT_ID is not set")
	for _, s in ipairs(env_list("SECTIONS", "A")) do
		table.insert(reqs, wrk.format("GET", string.format(
		    "/api/v1/concerts/%d/seats?section=%s", concert, s)))
	end
	math.randomseed(os.time() + id * 7919)
end

function request()
	return reqs[math.random(#reqs)]
end
