#!/bin/bash
# Webhook delivery under a burst (issue 15, SPEC "Events, webhooks and
# reminders"): EVENTS task events for USERS users with a webhook_url, sent
# to a local HTTPS receiver (the dev CA, as a production receiver's would
# be). Reports delivery throughput, lag from each event's commit to its
# arrival (p50/p99), events lost or doubled, and the API's own GET rate
# (wrk) while the queue drains against the same rate before the burst.
# Release build, throwaway PostgreSQL (fsync on), HTTPS as in production.
#
#   bench/webhooks.sh [EVENTS] [USERS] [MODE]
#
# MODE sql (default): the whole burst is one INSERT of EVENTS tasks, one
# commit (the queue's worst case: everything due at once). MODE api: the
# events come from POST /api/v1/tasks, 16 at a time, while deliveries run.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
events=${1:-10000}
users=${2:-100}
mode=${3:-sql}
case $mode in sql|api) ;; *) echo "MODE is sql or api" >&2; exit 2 ;; esac
work=$(mktemp -d "$top/.build/webhooks-bench.XXXXXX")
chmod 755 "$work"
secret="webhooks-bench-shared-secret-0123456789abcdef"

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
command -v wrk >/dev/null || { echo "wrk is missing: make deps-test" >&2; exit 1; }

pgport=$(free_port)
scripts/db.sh start "$work/pg" "$pgport"
scripts/dev-cert.sh "$work/tls"
dburl=$(scripts/db.sh url "$work/pg" "$pgport")
port=$(free_port)
rport=$(free_port)
sed -e "s#bind 127.0.0.1 [0-9]*#bind 127.0.0.1 $port#" \
    -e "s#certfile.*#certfile $work/tls/cert.pem#" \
    -e "s#certkey.*#certkey $work/tls/key.pem#" \
    kore.conf > "$work/kore.conf"
# The receiver is on loopback: the private-network guard is lifted (the
# one setting a production server never has), and localhost pinned to it.
DATABASE_URL=$dburl BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
    RATE_LIMIT_RPM=0 RATE_LIMIT_ANON_RPM=0 ENV_FILE=/nonexistent \
    WEBHOOK_ALLOW_PRIVATE_NETWORKS=true \
    WEBHOOK_CA_FILE="$work/tls/ca.pem" \
    WEBHOOK_RESOLVE="localhost:$rport:127.0.0.1" \
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

echo "bench/webhooks.sh: events=$events users=$users mode=$mode, $(nproc) cores"
node bench/webhooks-client.mjs "$port" "$rport" "$secret" "$work/tls" \
    "$events" "$users" "$mode" "$dburl" "$work/pg" "$server"
if grep -q "sandbox violation\|fatal" "$work/server.log"; then
	echo "server log:" >&2
	tail -20 "$work/server.log" >&2
	exit 1
fi
