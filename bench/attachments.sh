#!/bin/bash
# Attachments over HTTPS: ten 10 MiB uploads at once, then ten downloads
# at once, a few rounds each, against the release build (kore.conf, two
# workers, PostgreSQL over its socket, fsync on). Prints MB/s of file
# bytes (1 MB = 2^20 bytes) for each phase and every worker's RSS: before,
# and the highest seen (sampled every 0.1 s) during each phase.
#
#   bench/attachments.sh [rounds]      default 3 (30 files each way)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rounds=${1:-3}
par=10
work=$(mktemp -d "$top/.build/bench-att.XXXXXX")
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
	scripts/db.sh destroy "$work/pg" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

make -s .build/kore/kore .build/app.so >/dev/null
pgport=$(free_port)
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
scripts/dev-cert.sh "$work/tls" >/dev/null
PG_FSYNC=on scripts/db.sh start "$work/pg" "$pgport" >/dev/null
scripts/db.sh secure "$work/pg" "$pgport" "$work/tls" "$password" >/dev/null
dburl=$(scripts/db.sh url "$work/pg" "$pgport")
printf 'local\tall\tapp\t\tscram-sha-256\n' >> "$(realpath "$work/pg")/pg_hba.conf"
psql "$dburl" -XAtqc "SELECT pg_reload_conf()" >/dev/null
sockurl="postgresql://app:$password@/app?host=$(realpath "$work/pg")&port=$pgport"

port=$(free_port)
sed -e "s#bind 127.0.0.1 [0-9]*#bind 127.0.0.1 $port#" \
    -e "s#certfile.*#certfile $work/tls/cert.pem#" \
    -e "s#certkey.*#certkey $work/tls/key.pem#" \
    -e "s#^load.*#&\nworkers 2#" kore.conf > "$work/kore.conf"
DATABASE_URL=$sockurl BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
    RATE_LIMIT_RPM=0 RATE_LIMIT_ANON_RPM=0 ENV_FILE=/nonexistent \
    .build/kore/kore -fnrq -c "$work/kore.conf" > "$work/server.log" 2>&1 &
parent=$!
pids="$pids $parent"
n=0
until curl -sk -o /dev/null "https://127.0.0.1:$port/healthz"; do
	n=$((n + 1))
	[ $n -lt 100 ] || { cat "$work/server.log"; exit 1; }
	sleep 0.1
done

base="https://127.0.0.1:$port"
token=$(node bench/mint-token.mjs "$secret" bench-att)
auth="Authorization: Bearer $token"
task=$(curl -sk -H "$auth" -H 'content-type: application/json' \
    -d '{"title":"files"}' "$base/api/v1/tasks" |
    sed -E 's/.*"id" ?: ?"([^"]+)".*/\1/')
head -c $((10 * 1024 * 1024)) /dev/urandom > "$work/file.bin"
want=$(sha256sum "$work/file.bin" | cut -d' ' -f1)

# The workers: the parent's children other than the key manager.
workers=$(for c in $(pgrep -P "$parent"); do
	grep -q 'keymgr' "/proc/$c/cmdline" 2>/dev/null || echo "$c"; done)
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
declare -A peak
sample() {
	for w in $workers; do peak[$w]=0; done
	while [ -e "$work/sampling" ]; do
		for w in $workers; do
			r=$(rss "$w")
			[ "$r" -gt "${peak[$w]}" ] && peak[$w]=$r
		done
		sleep 0.1
	done
	for w in $workers; do printf ' %s:%d' "$w" $((peak[$w] / 1024)); done
}
printf 'worker RSS before (pid:MiB):'
for w in $workers; do printf ' %s:%d' "$w" $(($(rss "$w") / 1024)); done
echo

phase() {	# name, then the command run $par at once, $rounds times
	local name=$1 start end i r
	shift
	touch "$work/sampling"
	sample > "$work/peak" &
	local sampler=$!
	start=$(date +%s.%N)
	for r in $(seq "$rounds"); do
		local clients=""
		for i in $(seq "$par"); do
			"$@" "$r-$i" &
			clients="$clients $!"
		done
		wait $clients
	done
	end=$(date +%s.%N)
	rm -f "$work/sampling"
	wait "$sampler"
	printf '%-9s %3d x 10 MiB, %2d at once: %6.1f MB/s; peak worker RSS (pid:MiB):%s\n' \
	    "$name" $((rounds * par)) "$par" \
	    "$(echo "$rounds * $par * 10 / ($end - $start)" | bc -l)" \
	    "$(cat "$work/peak")"
}

up() {
	curl -sk -o "$work/up-$1.json" -w '%{http_code}\n' -H "$auth" -H 'Expect:' \
	    -F "file=@$work/file.bin;type=application/octet-stream" \
	    "$base/api/v1/tasks/$task/attachments" > "$work/up-$1.code"
}
phase upload up
ok=$(cat "$work"/up-*.code | grep -c '^201$' || true)
[ "$ok" -eq $((rounds * par)) ] || { echo "uploads: only $ok of $((rounds * par)) answered 201"; cat "$work"/up-*.json | head -5; exit 1; }

ids=$(sed -E 's/.*"id" ?: ?"([^"]+)".*/\1/' "$work"/up-1-*.json)
down() {
	local i=${1#*-}
	local id
	id=$(echo "$ids" | sed -n "${i}p")
	curl -sk -H "$auth" -o "$work/down-$1.bin" "$base/api/v1/attachments/$id"
}
phase download down
for f in "$work"/down-*.bin; do
	got=$(sha256sum "$f" | cut -d' ' -f1)
	[ "$got" = "$want" ] || { echo "download $f differs"; exit 1; }
	rm -f "$f"
done
echo "all $((rounds * par)) downloads byte-exact (sha256)"
