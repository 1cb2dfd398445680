-- bench/wrk/onsale.lua: a sale opens (k6/onsale.js, driven by wrk).
--
-- Fans race for the seats of one fresh concert. Three of four requests ask
-- for 2 adjacent seat ids (a random seat and its neighbour, as a fan picks
-- them on the map); one of four asks for best available (2 seats in a
-- random section). Every request carries a member's access token, minted
-- beforehand through dev login (TOKENS_FILE, one a line). Each wrk thread
-- owns its own slice of the tokens and goes round it, so no member is in
-- two requests at once while the slice is larger than the thread's
-- connections; with enough members nobody reaches the per-concert cap
-- (422) or the per-member rate limit (429).
--
-- Counted per status: 201 (held) and 409 (refused, seats taken) are the
-- decided answers; anything else is reported as it is.
--
-- Env: TOKENS_FILE, CONCERT_ID, SEAT_LO, SEAT_HI (the concert's seat ids),
-- SECTIONS ("A,B,..."), BEST_PERCENT (25), QUANTITY (2).

local dir = string.match(debug.getinfo(1, "S").source, "^@(.*/)") or "./"
dofile(dir .. "common.lua")

local tokens, slice_lo, slice_n, cursor
local concert, seat_lo, seat_hi, sections, best_percent, quantity
local headers = {}

function init(args)
	local file = os.getenv("TOKENS_FILE") or error("TOKENS_FILE is not set")
	tokens = {}
	for line in io.lines(file) do
		if line ~= "" then
			table.insert(tokens, line)
		end
	end
	local nthreads = env_number("WRK_THREADS", 2)
	slice_n = math.floor(#tokens / nthreads)
	if slice_n < 1 then
		error("fewer tokens than threads")
	end
	slice_lo = id * slice_n
	cursor = 0
	concert = env_number("CONCERT_ID", nil) or error("CONCERT_ID is not set")
	seat_lo = env_number("SEAT_LO", nil) or error("SEAT_LO is not set")
	seat_hi = env_number("SEAT_HI", nil) or error("SEAT_HI is not set")
	sections = env_list("SECTIONS", "A")
	best_percent = env_number("BEST_PERCENT", 25)
	quantity = env_number("QUANTITY", 2)
	math.randomseed(os.time() + id * 7919)
	headers["Content-Type"] = "application/json"
end

function request()
	local body
	cursor = (cursor + 1) % slice_n
	headers["Authorization"] = "Bearer " .. tokens[slice_lo + cursor + 1]
	if math.random(100) <= best_percent then
		body = string.format('{"concert_id":%d,"section":"%s","quantity":%d}',
		    concert, sections[math.random(#sections)], quantity)
	else
		local first = math.random(seat_lo, seat_hi - quantity + 1)
		local ids = {}
		for i = 0, quantity - 1 do
			table.insert(ids, tostring(first + i))
		end
		body = string.format('{"concert_id":%d,"seat_ids":[%s]}',
		    concert, table.concat(ids, ","))
	end
	return wrk.format("POST", "/api/v1/reservations", headers, body)
end

-- 201 and 409 by status; anything else also by its error code.
function response(status, hdrs, body)
	if status == 201 or status == 409 then
		count_status(status)
	else
		local code = body and string.match(body, '"code"%s*:%s*"([A-Z_]+)"')
		count_status(tostring(status) .. " " .. (code or "-"))
	end
end
