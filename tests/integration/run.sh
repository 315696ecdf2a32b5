#!/bin/bash
# Integration tests: a throwaway PostgreSQL cluster on a free port, a test
# certificate chain, then node's test runner over tests/integration/. Each
# test file starts real Kore servers (sanitizer build) on free ports.
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
cleanup() {
	scripts/db.sh destroy "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

PG_FSYNC=off scripts/db.sh start "$work/pg" "$pgport"
scripts/dev-cert.sh "$work/tls"

export TEST_WORK="$work"
export TEST_PGDATA="$work/pg"
export TEST_PGPORT="$pgport"
export TEST_DATABASE_URL="$(scripts/db.sh url "$work/pg" "$pgport")"

# npm ci again whenever a lock file is newer than the installed tree.
for d in tests/auth-server tests/integration; do
	if [ ! -f "$d/node_modules/.package-lock.json" ] ||
	    [ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
		npm ci --prefix "$d" --no-audit --no-fund --loglevel=error
	fi
done

rm -rf tests/artifacts/conformance
mkdir -p tests/artifacts
node --test --test-concurrency=1 --test-reporter=spec \
    ${TEST_FILES:-tests/integration/*.test.mjs}
node tests/integration/conformance-summary.mjs
