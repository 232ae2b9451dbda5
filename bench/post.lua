-- wrk script for bench/overhead.ts: POST the JSON body stored in the file named by WRK_BODY_FILE.
local path = os.getenv("WRK_BODY_FILE")
local file = assert(io.open(path, "rb"), "WRK_BODY_FILE must name a readable file")
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
