#!/bin/bash
# Growth benchmark (SPEC "Performance targets", growth): one user with 200,
# then 20,000, then 100,000 tasks among 1,000,000 tasks of 1,000 other
# users; every list variant and /tags at wrk -t2 -c16 over HTTPS
# keep-alive. Prints one row per variant: req/s, p50 and p99 at each size,
# the 100,000 / 200 rate ratio, and whether the row meets the target
# (p99 under 30 ms at every size, ratio at least 0.5). Then the 200-task
# user's tag and q requests again with the big users present.
#
#   bench/growth.sh [seconds]      default 3 s per row
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
secs=${1:-3}
work=$(mktemp -d "$top/.build/growth.XXXXXX")
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

pgport=$(free_port)
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
scripts/dev-cert.sh "$work/tls"
PG_FSYNC=on scripts/db.sh start "$work/pg" "$pgport"
scripts/db.sh secure "$work/pg" "$pgport" "$work/tls" "$password"
dburl=$(scripts/db.sh url "$work/pg" "$pgport")
printf 'local\tall\tapp\t\tscram-sha-256\n' >> "$(realpath "$work/pg")/pg_hba.conf"
psql "$dburl" -XAtqc "SELECT pg_reload_conf()" >/dev/null
sockurl="postgresql://app:$password@/app?host=$(realpath "$work/pg")&port=$pgport"

port=$(free_port)
sed -e "s#bind 127.0.0.1 [0-9]*#bind 127.0.0.1 $port#" \
    -e "s#certfile.*#certfile $work/tls/cert.pem#" \
    -e "s#certkey.*#certkey $work/tls/key.pem#" kore.conf > "$work/kore.conf"
DATABASE_URL=$sockurl BETTER_AUTH_SECRET=$secret LOG_LEVEL=warning \
    RATE_LIMIT_RPM=0 RATE_LIMIT_ANON_RPM=0 ENV_FILE=/nonexistent \
    .build/kore/kore -fnrq -c "$work/kore.conf" > "$work/server.log" 2>&1 &
pids="$pids $!"
n=0
until curl -sk -o /dev/null "https://127.0.0.1:$port/readyz"; do
	n=$((n + 1))
	[ $n -lt 100 ] || { cat "$work/server.log"; exit 1; }
	sleep 0.1
done

# n tasks of user $1 (numbered from $3): 3 tags ("work" shared by every
# user, one of 20, and "rare" on one task in 1,000 or else one of 10),
# 10% completed, half with due dates, every description with "about",
# one task in 1,000 with "zebra" in its title.
load() {
	psql "$dburl" -Xq -v ON_ERROR_STOP=1 -c "
	    SET maintenance_work_mem = '256MB';
	    INSERT INTO tasks (user_id, title, description, completed,
	        completed_at, priority, due_at, tags, created_at, updated_at)
	    SELECT $1, 'Task ' || g || ' ' ||
	        (ARRAY['milk', 'bread', 'report', 'call', 'email'])[g % 5 + 1] ||
	        CASE WHEN g % 1000 = 0 THEN ' zebra' ELSE '' END,
	        'about task ' || g, g % 10 = 0,
	        CASE WHEN g % 10 = 0 THEN now() END,
	        (ARRAY['low','medium','high','urgent'])[g % 4 + 1]::task_priority,
	        CASE WHEN g % 2 = 0 THEN now() + (g % 2000 - 1000) * interval '1 hour' END,
	        ARRAY['work', 'tag' || (g % 20), CASE WHEN g % 1000 = 0 THEN 'rare' ELSE 'x' || (g % 10) END],
	        now() - g * interval '1 second', now() - g * interval '1 second'
	    FROM generate_series($3, $3 + $2 - 1) g;"
}

# The timed part of a wrk run: requests/s, p50, p99 (wrk's units).
wrkrow() {
	out=$(wrk -t2 -c16 -d"${secs}s" --latency "$@" 2>&1)
	rps=$(echo "$out" | awk '/^Requests\/sec/ {print int($2)}')
	p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
	p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
	bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
	echo "${rps:-0} ${p50:-?} ${p99:-?} ${bad:-0}"
}

# wrk's latency in ms.
ms() {
	echo "$1" | awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next}
	    /s$/ {print $1 * 1000; next} {print 99999}'
}

soon=$(date -u -d '+10 days' +%Y-%m-%dT%H:%M:%SZ)
past=$(date -u -d '-10 days' +%Y-%m-%dT%H:%M:%SZ)
variants="default|?limit=20
sort=created_at|?sort=created_at
sort=updated_at|?sort=updated_at
sort=-updated_at|?sort=-updated_at
sort=due_at|?sort=due_at
sort=-due_at|?sort=-due_at
sort=priority|?sort=priority
sort=-priority|?sort=-priority
sort=title|?sort=title
sort=-title|?sort=-title
completed=false|?completed=false
completed=true|?completed=true
priority=high|?priority=high
tag=work (every task)|?tag=work
tag=rare (1 in 1000)|?tag=rare
two tags|?tag=work&tag=tag7
due_before|?due_before=$soon
due_after|?due_after=$past
overdue=true|?overdue=true
q=about (every task)|?q=about
q=zebra (1 in 1000)|?q=zebra
q=zeb (a prefix)|?q=zeb
cursor page deep in the list|CURSOR
GET /api/v1/tags|TAGS"

# Every variant for user $1 into $work/res.$2.
measure() {
	tok=$(node bench/mint-token.mjs "$secret" "$1")
	auth="Authorization: Bearer $tok"
	base="https://127.0.0.1:$port/api/v1"
	# A cursor from deep in the list (offset at most 10,000).
	deep=$(( $2 / 2 > 9980 ? 9980 : $2 / 2 ))
	cursor=$(curl -sk -H "$auth" "$base/tasks?limit=20&offset=$deep" |
	    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(encodeURIComponent(JSON.parse(s).next_cursor||"")))')
	wrk -t2 -c16 -d1s -H "$auth" "$base/tasks?limit=20" >/dev/null 2>&1
	: > "$work/res.$2"
	echo "$variants" | while IFS='|' read -r name q; do
		case "$q" in
		CURSOR) url="$base/tasks?limit=20&cursor=$cursor" ;;
		TAGS) url="$base/tags" ;;
		*) url="$base/tasks$q" ;;
		esac
		echo "$name|$(wrkrow -H "$auth" "$url")" >> "$work/res.$2"
	done
}

echo "load: $(uptime)"
start=$(date +%s)
psql "$dburl" -Xq -v ON_ERROR_STOP=1 -c "
    INSERT INTO users (id, email) SELECT 'other-' || g, 'o' || g || '@example.com'
    FROM generate_series(0, 999) g;
    INSERT INTO users (id, email) VALUES ('g200', 'a@example.com'),
        ('g20000', 'b@example.com'), ('g100000', 'c@example.com');"
# The others' million: 1,000 tasks each, interleaved as they would arrive.
# Without their events (the outbox trigger writes one a row: 20 minutes
# here for a million); the measured users' tasks below get theirs.
psql "$dburl" -Xq -v ON_ERROR_STOP=1 -c "
    SET maintenance_work_mem = '256MB';
    ALTER TABLE tasks DISABLE TRIGGER tasks_event;
    INSERT INTO tasks (user_id, title, description, completed, completed_at,
        priority, due_at, tags, created_at, updated_at)
    SELECT 'other-' || (g % 1000), 'Task ' || g || ' ' ||
        (ARRAY['milk', 'bread', 'report', 'call', 'email'])[g % 5 + 1] ||
        CASE WHEN g % 1000 = 7 THEN ' zebra' ELSE '' END,
        'about task ' || g, g % 10 = 0, CASE WHEN g % 10 = 0 THEN now() END,
        (ARRAY['low','medium','high','urgent'])[g % 4 + 1]::task_priority,
        CASE WHEN g % 2 = 0 THEN now() + (g % 2000 - 1000) * interval '1 hour' END,
        ARRAY['work', 'tag' || (g % 20), CASE WHEN g % 1000 = 0 THEN 'rare' ELSE 'x' || (g % 10) END],
        now() - g * interval '1 second', now() - g * interval '1 second'
    FROM generate_series(1, 1000000) g;
    ALTER TABLE tasks ENABLE TRIGGER tasks_event;"
load "'g200'" 200 1
psql "$dburl" -Xq -c "VACUUM ANALYZE tasks" -c "VACUUM ANALYZE task_counts" \
    -c "VACUUM ANALYZE tag_counts"
echo "loaded 1,000,200 tasks in $(( $(date +%s) - start )) s"
measure g200 200
load "'g20000'" 20000 1
psql "$dburl" -Xq -c "VACUUM ANALYZE tasks"
measure g20000 20000
load "'g100000'" 100000 1
psql "$dburl" -Xq -c "VACUUM ANALYZE tasks" -c "VACUUM ANALYZE task_counts" \
    -c "VACUUM ANALYZE tag_counts"
measure g100000 100000
echo "measured: $(uptime)"

printf '\n%-30s | %19s | %19s | %19s | %5s %s\n' "wrk -t2 -c16, ${secs}s a row" \
    "200 tasks" "20,000 tasks" "100,000 tasks" "ratio" "target"
printf '%-30s | %6s %6s %5s | %6s %6s %5s | %6s %6s %5s | %5s\n' "" \
    req/s p50 p99 req/s p50 p99 req/s p50 p99 100k/200
met=0 rows=0
while IFS='|' read -r name a; do
	b=$(grep -F "$name|" "$work/res.20000" | head -1 | cut -d'|' -f2)
	c=$(grep -F "$name|" "$work/res.100000" | head -1 | cut -d'|' -f2)
	set -- $a $b $c
	ratio=$(awk -v x="$9" -v y="$1" 'BEGIN {printf "%.2f", (y > 0) ? x / y : 0}')
	ok=yes
	for p in "$3" "$7" "${11}"; do
		awk -v v="$(ms "$p")" 'BEGIN {exit !(v < 30)}' || ok=no
	done
	awk -v r="$ratio" 'BEGIN {exit !(r >= 0.5)}' || ok=no
	[ "$4$8${12}" = "000" ] || ok="no (non-2xx)"
	rows=$((rows + 1)); [ "$ok" = yes ] && met=$((met + 1))
	printf '%-30s | %6s %6s %5s | %6s %6s %5s | %6s %6s %5s | %5s %s\n' \
	    "$name" "$1" "$2" "$3" "$5" "$6" "$7" "$9" "${10}" "${11}" "$ratio" "$ok"
done < "$work/res.200"
echo "target met by $met of $rows rows"

# One user's size never slows another's requests: the 200-task user's tag
# and q rows again, with the 20,000- and 100,000-task users loaded.
tok=$(node bench/mint-token.mjs "$secret" g200)
echo
printf '%-44s %19s %19s\n' "200-task user, 1,000,200 -> 1,120,200 tasks" "before (req/s p50 p99)" "after"
for v in "tag=work (every task)|?tag=work" "tag=rare (1 in 1000)|?tag=rare" \
    "q=about (every task)|?q=about" "q=zebra (1 in 1000)|?q=zebra" \
    "GET /api/v1/tags|TAGS"; do
	name=${v%%|*} q=${v#*|}
	url="https://127.0.0.1:$port/api/v1/tasks$q"
	[ "$q" = TAGS ] && url="https://127.0.0.1:$port/api/v1/tags"
	set -- $(grep -F "$name|" "$work/res.200" | cut -d'|' -f2) \
	    $(wrkrow -H "Authorization: Bearer $tok" "$url")
	printf '%-44s %6s %6s %5s  %6s %6s %5s\n' "$name" "$1" "$2" "$3" "$5" "$6" "$7"
done
