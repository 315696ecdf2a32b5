#!/bin/bash
# Integration tests: a throwaway PostgreSQL cluster on a free port, reached
# the way production reaches Neon (TCP, TLS verify-full against a test CA,
# SCRAM with channel binding), a PgBouncer in transaction mode in front of
# it, then node's test runner over tests/integration/. Each test file
# starts real Kore servers (sanitizer build) on free ports. The resource
# suites run a second time through the PgBouncer.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

free_port() {
	p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 30000 ))
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do
		p=$((p + 1))
	done
	echo "$p"
}

work=$(mktemp -d "$top/.build/itest.XXXXXX")
chmod 755 "$work"
pgport=$(free_port)
bouncerport=$(free_port)
cleanup() {
	scripts/pgbouncer.sh stop "$work/pgbouncer" >/dev/null 2>&1 || true
	scripts/db.sh destroy "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
scripts/dev-cert.sh "$work/tls"
PG_FSYNC=off scripts/db.sh start "$work/pg" "$pgport"
scripts/db.sh secure "$work/pg" "$pgport" "$work/tls" "$password"
scripts/pgbouncer.sh start "$work/pgbouncer" "$bouncerport" "$pgport" \
    "$work/tls" "$password"

tls="sslmode=verify-full&sslrootcert=$work/tls/ca.pem"
export TEST_WORK="$work"
export TEST_PGDATA="$work/pg"
export TEST_PGPORT="$pgport"
export TEST_DB_PASSWORD="$password"
# The tests' own psql: the superuser over the socket.
export TEST_ADMIN_URL="$(scripts/db.sh url "$work/pg" "$pgport")"
# The servers under test: role app, TCP + TLS + SCRAM, as with Neon.
export TEST_DIRECT_URL="postgresql://app:$password@localhost:$pgport/app?$tls&channel_binding=require"
# PgBouncer 1.18 does not offer SCRAM channel binding to its clients.
export TEST_POOLED_URL="postgresql://app:$password@localhost:$bouncerport/app?$tls"
export TEST_DATABASE_URL="$TEST_DIRECT_URL"

# npm ci again whenever a lock file is newer than the installed tree.
for d in tests/auth-server tests/integration; do
	if [ ! -f "$d/node_modules/.package-lock.json" ] ||
	    [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
		npm ci --prefix "$d" --no-audit --no-fund --loglevel=error
	fi
done

rm -rf tests/artifacts/conformance
mkdir -p tests/artifacts
node --test --test-concurrency=1 --test-reporter=spec ${TEST_NAME_PATTERN:+--test-name-pattern="$TEST_NAME_PATTERN"} \
    ${TEST_FILES:-tests/integration/*.test.mjs}

# The resource suites again, every query through PgBouncer.
if [ -z "${TEST_FILES:-}" ] || [ -n "${TEST_POOLED_FILES:-}" ]; then
	TEST_DATABASE_URL="$TEST_POOLED_URL" TEST_DB_PATH=pgbouncer \
	    node --test --test-concurrency=1 --test-reporter=spec \
	    ${TEST_POOLED_FILES:-tests/integration/tasks.test.mjs \
	    tests/integration/tasks_list.test.mjs \
	    tests/integration/users.test.mjs tests/integration/parity.test.mjs \
	    tests/integration/counters.test.mjs \
	    tests/integration/attachments.test.mjs}
	# They went through it: PgBouncer logged their TLS logins.
	logins=$(grep -c 'login attempt: db=app user=app tls=TLS' \
	    "$work/pgbouncer/pgbouncer.log" || true)
	echo "pgbouncer: $logins TLS client logins"
	[ "$logins" -gt 0 ]
fi
node tests/integration/conformance-summary.mjs
