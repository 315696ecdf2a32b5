#!/bin/bash
# Benchmarks over HTTPS keep-alive with wrk (-t2 -c64), server, database and
# wrk sharing this machine's cores. Prints one table row per endpoint:
# requests/s, p50 and p99 latency, non-2xx answers and socket errors
# (wrk counts a request unanswered after 2 s as a socket error).
#
#   bench/run.sh [seconds]         default 10 s per endpoint
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-10}
work=$(mktemp -d "$top/.build/bench.XXXXXX")
chmod 755 "$work"
secret="bench-shared-secret-0123456789abcdef"

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
	scripts/pgbouncer.sh stop "$work/pgbouncer" >/dev/null 2>&1 || true
	scripts/db.sh destroy "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

pgport=$(free_port)
bouncerport=$(free_port)
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
scripts/dev-cert.sh "$work/tls"
PG_FSYNC=on scripts/db.sh start "$work/pg" "$pgport"
scripts/db.sh secure "$work/pg" "$pgport" "$work/tls" "$password"
scripts/pgbouncer.sh start "$work/pgbouncer" "$bouncerport" "$pgport" \
    "$work/tls" "$password"
# Three ways to the same database: the unix socket (make run's default),
# TCP + TLS verify-full + SCRAM with channel binding (Neon's direct
# endpoint), and PgBouncer in transaction mode (Neon's pooler).
# All three as role app (which owns the tables); dburl is the superuser's.
dburl=$(scripts/db.sh url "$work/pg" "$pgport")
printf 'local\tall\tapp\t\tscram-sha-256\n' >> "$(realpath "$work/pg")/pg_hba.conf"
psql "$dburl" -XAtqc "SELECT pg_reload_conf()" >/dev/null
sockurl="postgresql://app:$password@/app?host=$(realpath "$work/pg")&port=$pgport"
tls="sslmode=verify-full&sslrootcert=$work/tls/ca.pem"
tlsurl="postgresql://app:$password@localhost:$pgport/app?$tls&channel_binding=require"
poolurl="postgresql://app:$password@localhost:$bouncerport/app?$tls"

# The product, from kore.conf with another port and certificate.
port=$(free_port)
sed -e "s#bind 127.0.0.1 [0-9]*#bind 127.0.0.1 $port#" \
    -e "s#certfile.*#certfile $work/tls/cert.pem#" \
    -e "s#certkey.*#certkey $work/tls/key.pem#" kore.conf > "$work/kore.conf"
# The edge layer on: CORS for an origin, rate limits that are checked on
# every request (high enough never to refuse), gzip for clients asking.
DATABASE_URL=$sockurl BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
    CORS_ORIGINS=https://app.example.com RATE_LIMIT_RPM=1000000 \
    RATE_LIMIT_ANON_RPM=1000000 \
    ENV_FILE=/nonexistent .build/kore/kore -fnrq -c "$work/kore.conf" \
    > "$work/server.log" 2>&1 &
srvpid=$!
pids="$pids $!"

# The same server with the switchable parts of the edge layer off (no
# CORS, no rate limits; its clients ask for no gzip). Security headers,
# request ids and metrics cannot be switched off and are in both.
oport=$(free_port)
sed -e "s#bind 127.0.0.1 $port#bind 127.0.0.1 $oport#" "$work/kore.conf" \
    > "$work/kore-off.conf"
DATABASE_URL=$sockurl BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
    RATE_LIMIT_RPM=0 RATE_LIMIT_ANON_RPM=0 \
    ENV_FILE=/nonexistent .build/kore/kore -fnrq -c "$work/kore-off.conf" \
    > "$work/server-off.log" 2>&1 &
pids="$pids $!"

# The product with prepared statements off (DATABASE_PREPARED_STATEMENTS):
# what each request costs PostgreSQL when it parses and plans every time.
uport=$(free_port)
sed -e "s#bind 127.0.0.1 $port#bind 127.0.0.1 $uport#" "$work/kore.conf" \
    > "$work/kore-unprepared.conf"
DATABASE_URL=$sockurl BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
    CORS_ORIGINS=https://app.example.com RATE_LIMIT_RPM=1000000 \
    RATE_LIMIT_ANON_RPM=1000000 DATABASE_PREPARED_STATEMENTS=off \
    ENV_FILE=/nonexistent .build/kore/kore -fnrq -c "$work/kore-unprepared.conf" \
    > "$work/server-unprepared.log" 2>&1 &
pids="$pids $!"

# The product again over TCP + TLS, and through PgBouncer (edge layer on).
tport=$(free_port)
pport=$(free_port)
# PgBouncer 1.18 in transaction mode takes no prepared statements.
for pair in "$tport $tlsurl on" "$pport $poolurl off"; do
	set -- $pair
	sed -e "s#bind 127.0.0.1 $port#bind 127.0.0.1 $1#" "$work/kore.conf" \
	    > "$work/kore-$1.conf"
	DATABASE_URL=$2 DATABASE_PREPARED_STATEMENTS=$3 \
	    BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
	    CORS_ORIGINS=https://app.example.com RATE_LIMIT_RPM=1000000 \
	    RATE_LIMIT_ANON_RPM=1000000 ENV_FILE=/nonexistent \
	    .build/kore/kore -fnrq -c "$work/kore-$1.conf" \
	    > "$work/server-$1.log" 2>&1 &
	pids="$pids $!"
done

# A bare Kore handler on the same TLS set-up, the /healthz baseline.
cc -shared -fPIC -O2 -I.build/kore/include -DKORE_USE_PGSQL \
    -DKORE_USE_TASKS -DKORE_USE_CURL -I"$(pg_config --includedir)" \
    -o "$work/bare.so" bench/bare.c
bport=$(free_port)
cat > "$work/bare.conf" <<CONF
server tls {
	bind 127.0.0.1 $bport
}
load		$work/bare.so
workers		2
tls_dhparam	conf/ffdhe2048.pem
http_keepalive_time 60
domain * {
	attach		tls
	certfile	$work/tls/cert.pem
	certkey		$work/tls/key.pem
	route		/healthz	bare_ok
}
CONF
.build/kore/kore -fnrq -c "$work/bare.conf" > "$work/bare.log" 2>&1 &
pids="$pids $!"

for p in "$port" "$bport" "$oport" "$uport" "$tport" "$pport"; do
	n=0
	until curl -sk -o /dev/null "https://127.0.0.1:$p/healthz"; do
		n=$((n + 1))
		[ $n -lt 100 ] || { cat "$work/server.log"; exit 1; }
		sleep 0.1
	done
done

# Each server opens its database connections before it is measured.
for p in "$port" "$oport" "$uport" "$tport" "$pport"; do
	wrk -t2 -c64 -d2s "https://127.0.0.1:$p/readyz" >/dev/null 2>&1
done

token=$(node bench/mint-token.mjs "$secret" bench-user)
auth="Authorization: Bearer $token"
curl -sk -H "$auth" "https://127.0.0.1:$port/api/v1/users/me" >/dev/null
# 64 more users (bench-u1..64) for the many-users POST rows.
node bench/mint-token.mjs "$secret" bench-u 64 > "$work/tokens.txt"
while read -r t; do
	curl -sk -H "Authorization: Bearer $t" \
	    "https://127.0.0.1:$port/api/v1/users/me" >/dev/null
done < "$work/tokens.txt"

# SPEC's data set: one user with 200 tagged tasks.
psql "$dburl" -Xq -v ON_ERROR_STOP=1 -c "
    INSERT INTO tasks (user_id, title, description, priority, due_at, tags)
    SELECT 'bench-user', 'Task ' || g, 'Description of task ' || g,
        (ARRAY['low','medium','high','urgent'])[g % 4 + 1]::task_priority,
        now() + g * interval '1 hour',
        ARRAY['tag' || (g % 7), 'tag' || (g % 11), 'work']
    FROM generate_series(1, 200) g;
    ANALYZE tasks;"
id=$(psql "$dburl" -XAtq -c "SELECT id FROM tasks WHERE user_id = 'bench-user' LIMIT 1")

cc -std=c99 -D_GNU_SOURCE -Isrc -o "$work/print-sql" bench/print-sql.c \
    src/core/strbuf.c \
    src/api/tasks_sql.c
"$work/print-sql" list > "$work/list.sql"
"$work/print-sql" get > "$work/get.sql"
"$work/print-sql" post > "$work/post.sql"

# CPU per request: user + system time (clock ticks) of the processes that
# serve a port (the kore parent, its workers and keymgr) and of the
# PostgreSQL cluster (the postmaster with its reaped children, and the
# live backends), read from /proc before and after each run.
hz=$(getconf CLK_TCK)
pgmaster=$(head -1 "$(realpath "$work/pg")/postmaster.pid")
kore_ticks() {
	for k in $(ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*' |
	    cut -d= -f2 | sort -u); do
		echo "$k"
		ps -o pid= --ppid "$k"
	done | sort -u | while read -r k; do
		cat "/proc/$k/stat" 2>/dev/null
	done | sed 's/.*) //' | awk '{s += $12 + $13} END {print s + 0}'
}
pg_ticks() {
	{
		sed 's/.*) //' "/proc/$pgmaster/stat" |
		    awk '{print $12 + $13 + $14 + $15}'
		for k in $(ps -o pid= --ppid "$pgmaster"); do
			sed 's/.*) //' "/proc/$k/stat" 2>/dev/null |
			    awk '{print $12 + $13}'
		done
	} | awk '{s += $1} END {print s + 0}'
}
# µs per request from ticks before ($1), after ($2) and requests ($3).
per_req() {
	awk -v a="$1" -v b="$2" -v n="$3" -v hz="$hz" \
	    'BEGIN {if (n > 0) printf "%d", (b - a) * 1e6 / hz / n; else print "-"}'
}

run() {
	name=$1
	shift
	for a in "$@"; do
		case "$a" in https://*) url=$a ;; esac
	done
	kport=${url#https://127.0.0.1:}
	kport=${kport%%/*}
	k0=$(kore_ticks "$kport") g0=$(pg_ticks)
	out=$(wrk -t2 -c"${conns:-64}" -d"${secs}s" --latency "$@" 2>&1)
	k1=$(kore_ticks "$kport") g1=$(pg_ticks)
	reqs=$(echo "$out" | awk '/requests in/ {print $1}')
	rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
	p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
	non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
	sock=$(echo "$out" | awk '/Socket errors/ {s = $4 + $6 + $8 + $10; print s}')
	printf '%-38s %10s %9s %9s %7s %7s %8s %8s\n' "$name" "$rps" "$p50" \
	    "$p99" "${non2xx:-0}" "${sock:-0}" "$(per_req "$k0" "$k1" "$reqs")" \
	    "$(per_req "$g0" "$g1" "$reqs")"
}

# The POST rows add thousands of tasks: drop them, so every list row
# lists the same 200 tasks.
forget_posts() {
	psql "$dburl" -Xq -c "DELETE FROM tasks WHERE title = 'bench task'; ANALYZE tasks;"
}

echo "load: $(uptime)"
printf '%-38s %10s %9s %9s %7s %7s %8s %8s\n' endpoint req/s p50 p99 non-2xx \
    sockerr kore-us pg-us
run "bare Kore handler (baseline)" "https://127.0.0.1:$bport/healthz"
run "GET /healthz" "https://127.0.0.1:$port/healthz"
run "GET /readyz (1 query)" "https://127.0.0.1:$port/readyz"
run "GET /api/v1/users/me" -H "$auth" \
    "https://127.0.0.1:$port/api/v1/users/me"
run "GET /api/v1/tasks?limit=20" -H "$auth" \
    "https://127.0.0.1:$port/api/v1/tasks?limit=20"
run "  same, edge layer on (gzip, CORS)" -H "$auth" \
    -H "Accept-Encoding: gzip" -H "Origin: https://app.example.com" \
    "https://127.0.0.1:$port/api/v1/tasks?limit=20"
run "  same, edge layer off" -H "$auth" \
    "https://127.0.0.1:$oport/api/v1/tasks?limit=20"
run "GET /api/v1/tasks/{id}" -H "$auth" \
    "https://127.0.0.1:$port/api/v1/tasks/$id"
run "POST /api/v1/tasks" -H "$auth" -s bench/post.lua \
    "https://127.0.0.1:$port/api/v1/tasks"
forget_posts
# One user's writes take turns on the user's event head until commit (ids
# in commit order, migration 0007): the same POSTs by 64 users.
run "POST /api/v1/tasks (64 users)" -s bench/post-users.lua \
    "https://127.0.0.1:$port/api/v1/tasks" -- "$work/tokens.txt"
forget_posts
conns=16 run "  same, 16 connections" -s bench/post-users.lua \
    "https://127.0.0.1:$port/api/v1/tasks" -- "$work/tokens.txt"
forget_posts
run "GET /api/v1/users/me (prepared off)" -H "$auth" \
    "https://127.0.0.1:$uport/api/v1/users/me"
run "GET /api/v1/tasks/{id} (prepared off)" -H "$auth" \
    "https://127.0.0.1:$uport/api/v1/tasks/$id"
run "POST /api/v1/tasks (prepared off)" -H "$auth" -s bench/post.lua \
    "https://127.0.0.1:$uport/api/v1/tasks"
forget_posts
# The database rows again over each network path to PostgreSQL.
for pair in "$tport TCP+TLS" "$pport PgBouncer"; do
	set -- $pair
	run "GET /readyz ($2)" "https://127.0.0.1:$1/readyz"
	run "GET /api/v1/users/me ($2)" -H "$auth" \
	    "https://127.0.0.1:$1/api/v1/users/me"
	run "GET /api/v1/tasks?limit=20 ($2)" -H "$auth" \
	    "https://127.0.0.1:$1/api/v1/tasks?limit=20"
	run "GET /api/v1/tasks/{id} ($2)" -H "$auth" \
	    "https://127.0.0.1:$1/api/v1/tasks/$id"
	run "POST /api/v1/tasks ($2)" -H "$auth" -s bench/post.lua \
	    "https://127.0.0.1:$1/api/v1/tasks"
	forget_posts
done
# Documentation: files read once at start, gzipped copies made then.
run "GET /openapi.json (gzip)" -H "Accept-Encoding: gzip" \
    "https://127.0.0.1:$port/openapi.json"
run "GET /docs/swagger-ui-bundle.js (gzip)" -H "Accept-Encoding: gzip" \
    "https://127.0.0.1:$port/docs/swagger-ui-bundle.js"

# A worker killed (SIGKILL) halfway through a keep-alive load: Kore's
# parent restarts it; the errors are the killed worker's connections.
killrun() {
	name=$1
	shift
	( sleep "$(( (secs + 1) / 2 ))"
	  victim=
	  for c in $(cat "/proc/$srvpid/task/$srvpid/children"); do
		if grep -qs 'wrk 1' "/proc/$c/cmdline"; then victim=$c; fi
	  done
	  held=$(ss -tnpH state established "( sport = :$port )" |
	      grep -c "pid=$victim," || true)
	  echo "$held" > "$work/killed-held"
	  kill -9 "$victim" ) &
	killer=$!
	run "$name" "$@"
	wait "$killer" || echo "  (the worker could not be killed)"
	echo "  (the killed worker held $(cat "$work/killed-held") of the 64 connections)"
}
killrun "  same, kill -9 of a worker midway" -H "$auth" \
    "https://127.0.0.1:$port/api/v1/tasks?limit=20"

# New TLS connections: Connection: close makes every request a handshake,
# so requests/s are handshakes/s; errors must stay 0.
echo
printf '%-34s %10s %9s %9s %7s\n' "new TLS connections, GET /healthz" \
    "conn/s" p50 p99 errors
for c in 16 64 256; do
	out=$(wrk -t2 -c$c -d"${secs}s" --latency -H "Connection: close" \
	    "https://127.0.0.1:$port/healthz" 2>&1)
	rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
	p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
	p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
	non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
	sock=$(echo "$out" | awk '/Socket errors/ {s = $4 + $6 + $8 + $10; print s}')
	printf '%-34s %10s %9s %9s %7s\n' "  $c connections" "$rps" "$p50" \
	    "$p99" "$(( ${non2xx:-0} + ${sock:-0} ))"
done
if grep -q "keymgr: no answer" "$work/server.log"; then
	echo "keymgr waits that timed out:"
	grep "keymgr: no answer" "$work/server.log" | head -5
fi

# PostgreSQL alone, 16 clients, prepared statements (as the server sends
# them on a direct connection): our own statements and SPEC's one-statement
# reference list.
pgrun() {
	name=$1
	shift
	# pgbench's last argument is the database: ours unless -- URL.
	args=() target=$dburl
	while [ $# -gt 0 ]; do
		if [ "$1" = "--" ]; then target=$2; break; fi
		args+=("$1"); shift
	done
	g0=$(pg_ticks)
	out=$(pgbench -n -M "${mode:-prepared}" -c 16 -j 2 -T "$secs" -D user=bench-user \
	    -D id="$id" "${args[@]}" "$target" 2>&1)
	g1=$(pg_ticks)
	tps=$(echo "$out" | awk '/^tps/ {print int($3)}')
	n=$(echo "$out" | awk '/actually processed/ {print $NF}')
	lat=$(echo "$out" | awk '/^latency average/ {print $4}')
	printf '%-34s %10s %8s %9s\n' "$name" "$tps" "$(per_req "$g0" "$g1" "$n")" \
	    "$lat"
}
echo
printf '%-34s %10s %8s %9s\n' "pgbench (16 clients)" "tps" "pg-us" "avg ms"
pgrun "our list statement" -f "$work/list.sql"
pgrun "reference one-statement list" -f bench/reference-list.sql
pgrun "our single-task statement" -f "$work/get.sql"
pgrun "  same, over TCP + TLS" -f "$work/get.sql" -- "$tlsurl"
# PgBouncer 1.18 in transaction mode takes no prepared statements.
mode=extended pgrun "  same, through PgBouncer" -f "$work/get.sql" -- "$poolurl"
# POST's statement alone, with the triggers that keep the counters.
pgrun "our POST statement" -f "$work/post.sql"
forget_posts
{ echo '\set u random(1, 64)'; sed "s/:user/'bench-u' || :u/" "$work/post.sql"; } \
    > "$work/post-users.sql"
pgrun "  same, 64 users" -f "$work/post-users.sql"
forget_posts

echo "server RSS after the runs (KiB, per process):"
ps -o rss=,args= -C kore | awk '{print "  " $1 "  " $2 " " $3 " " $4}' | sort -rn | head -8
