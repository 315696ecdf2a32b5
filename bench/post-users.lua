-- wrk: POST /api/v1/tasks as many users in turn (bench/post.lua's body).
-- The script's argument is a file of tokens, one a line:
--   wrk ... -s bench/post-users.lua URL -- tokens.txt
local tokens = {}
local n = 0
local body = '{"title":"bench task","priority":"high","tags":["bench","load"],"due_at":"2026-12-01T10:00:00Z"}'

function init(args)
	for line in io.lines(args[1]) do
		tokens[#tokens + 1] = line
	end
	-- Threads start at different users.
	n = math.random(#tokens)
end

function request()
	n = n % #tokens + 1
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. tokens[n],
	}, body)
end
