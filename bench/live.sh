#!/bin/bash
# Live updates (SPEC "Scale"): N idle WebSockets on one instance (default
# 10,000) with worker RSS per connection; fan-out latency of one event to
# 1,000 sockets of one user, p50/p99, from the commit (a bench-only
# deferred trigger stamps clock_timestamp() at COMMIT: see
# bench/live-client.mjs); the REST rate while they are open.
# Release build, throwaway PostgreSQL (fsync on), HTTPS as in production.
#
#   bench/live.sh [N] [FANOUT] [EVENTS]
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
n=${1:-10000}
fan=${2:-1000}
events=${3:-20}
work=$(mktemp -d "$top/.build/live-bench.XXXXXX")
chmod 755 "$work"
secret="live-bench-shared-secret-0123456789abcdef"

free_port() {
	p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000 ))
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
		p=$((p + 1))
	done
	echo "$p"
}

server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && sleep 1
	scripts/db.sh destroy "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

make -s .build/app.so .build/kore/kore docs >/dev/null
[ -f tests/integration/node_modules/ws/package.json ] ||
	npm ci --prefix tests/integration --no-audit --no-fund --loglevel=error

# Each side holds a descriptor per socket.
ulimit -n "$(ulimit -Hn)"
need=$((n + fan + 1024))
if [ "$(ulimit -n)" -lt "$need" ]; then
	echo "the fd limit ($(ulimit -n)) is below $need: raise it (ulimit -Hn)" >&2
	exit 1
fi

pgport=$(free_port)
scripts/db.sh start "$work/pg" "$pgport"
scripts/dev-cert.sh "$work/tls"
dburl=$(scripts/db.sh url "$work/pg" "$pgport")
port=$(free_port)
# The bench's own limits: every worker may hold all the sockets.
sed -e "s#bind 127.0.0.1 [0-9]*#bind 127.0.0.1 $port#" \
    -e "s#certfile.*#certfile $work/tls/cert.pem#" \
    -e "s#certkey.*#certkey $work/tls/key.pem#" \
    -e "s#^worker_max_connections.*#worker_max_connections	$need#" \
    -e "s#^worker_rlimit_nofiles.*#worker_rlimit_nofiles	$((need + 1024))#" \
    kore.conf > "$work/kore.conf"
DATABASE_URL=$dburl BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
    RATE_LIMIT_RPM=0 RATE_LIMIT_ANON_RPM=0 ENV_FILE=/nonexistent \
    LIVE_MAX_CONNECTIONS_PER_USER=$((fan > 100 ? fan : 100)) \
    .build/kore/kore -fnrq -c "$work/kore.conf" > "$work/server.log" 2>&1 &
server=$!
until curl -s --cacert "$work/tls/ca.pem" -o /dev/null \
    "https://localhost:$port/healthz"; do sleep 0.1; done

# Bench only: each event's commit time (the migrations ran: /healthz up).
psql "$dburl" -XAtq -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE bench_commit (event_id bigint PRIMARY KEY, at timestamptz NOT NULL);
CREATE FUNCTION bench_commit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO bench_commit VALUES (NEW.id, clock_timestamp());
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER bench_commit_stamp AFTER INSERT ON events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION bench_commit_stamp();
SQL

echo "bench/live.sh: N=$n fan-out=$fan events=$events, $(nproc) cores"
node bench/live-client.mjs "$port" "$secret" "$server" "$work/tls/ca.pem" \
    "$n" "$fan" "$events" "$dburl"
if grep -q "sandbox violation\|fatal" "$work/server.log"; then
	echo "server log:" >&2
	tail -20 "$work/server.log" >&2
	exit 1
fi
