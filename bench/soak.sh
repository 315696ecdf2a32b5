#!/bin/bash
# Worker memory under load: SECONDS (default 600) of wrk -t2 -c64 over
# HTTPS against an authenticated task list, create and single read, with
# each worker's RSS printed every minute. Flat numbers are the goal.
#
#   bench/soak.sh [seconds]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-600}
work=$(mktemp -d "$top/.build/soak.XXXXXX")
chmod 755 "$work"
secret="soak-shared-secret-0123456789abcdef"

free_port() {
	p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000 ))
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
		p=$((p + 1))
	done
	echo "$p"
}

pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	sleep 1
	scripts/db.sh destroy "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

pgport=$(free_port)
scripts/db.sh start "$work/pg" "$pgport"
scripts/dev-cert.sh "$work/tls"
dburl=$(scripts/db.sh url "$work/pg" "$pgport")
port=$(free_port)
sed -e "s#bind 127.0.0.1 [0-9]*#bind 127.0.0.1 $port#" \
    -e "s#certfile.*#certfile $work/tls/cert.pem#" \
    -e "s#certkey.*#certkey $work/tls/key.pem#" kore.conf > "$work/kore.conf"
DATABASE_URL=$dburl BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
    RATE_LIMIT_RPM=0 RATE_LIMIT_ANON_RPM=0 ENV_FILE=/nonexistent \
    .build/kore/kore -fnrq -c "$work/kore.conf" > "$work/server.log" 2>&1 &
server=$!
pids="$pids $server"
until curl -sk -o /dev/null "https://127.0.0.1:$port/healthz"; do sleep 0.1; done

auth="Authorization: Bearer $(node bench/mint-token.mjs "$secret" soak-user)"
# Creates go to another user, so the read user's list keeps its 200 tasks.
writer="Authorization: Bearer $(node bench/mint-token.mjs "$secret" soak-writer)"
curl -sk -H "$auth" "https://127.0.0.1:$port/api/v1/tags" >/dev/null
curl -sk -H "$writer" "https://127.0.0.1:$port/api/v1/tags" >/dev/null
psql "$dburl" -Xq -c "INSERT INTO tasks (user_id, title, tags)
    SELECT 'soak-user', 'Task ' || g, ARRAY['a', 'b'] FROM
    generate_series(1, 200) g"
id=$(psql "$dburl" -XAtq -c "SELECT id FROM tasks LIMIT 1")

rss() {
	ps -o rss=,args= --ppid "$server" | awk '/wrk/ {printf "%s=%sKiB ", $3 $4, $1}'
}

echo "minute 0: $(rss)"
loads=""
wrk -t1 -c32 -d"${secs}s" -H "$auth" \
    "https://127.0.0.1:$port/api/v1/tasks?limit=20" > "$work/wrk1" 2>&1 &
loads="$loads $!"
wrk -t1 -c16 -d"${secs}s" -H "$auth" \
    "https://127.0.0.1:$port/api/v1/tasks/$id" > "$work/wrk2" 2>&1 &
loads="$loads $!"
wrk -t1 -c16 -d"${secs}s" -H "$writer" -s bench/post.lua \
    "https://127.0.0.1:$port/api/v1/tasks" > "$work/wrk3" 2>&1 &
loads="$loads $!"
pids="$pids $loads"

for m in $(seq 1 $((secs / 60))); do
	sleep 60
	echo "minute $m: $(rss)"
done
# shellcheck disable=SC2086
wait $loads 2>/dev/null || true
for f in wrk1 wrk2 wrk3; do
	grep -E "Requests/sec|Non-2xx|Socket errors" "$work/$f" | tr '\n' ' '
	echo
done
