#!/bin/sh
# A private PostgreSQL cluster under a directory of ours: no system service,
# its own socket directory and port.
#
#   scripts/db.sh start DIR PORT    init (first time) and start; prints nothing
#   scripts/db.sh stop DIR          fast shutdown
#   scripts/db.sh destroy DIR       stop and remove the cluster
#   scripts/db.sh url DIR PORT      the DATABASE_URL for it
set -eu

cmd=$1
link=$(realpath -m -s "$2")
dir=$(realpath -m "$2")
port=${3:-54329}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "db.sh: PostgreSQL is not installed" >&2; exit 1; }

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# As root, the cluster runs as postgres, who may not be able to reach the
# checkout (a home directory of mode 700, say). Then the cluster lives
# under /var/lib/postgresql and DIR is a link to it.
place() {
	if [ "$(id -u)" -ne 0 ] || [ -L "$link" ]; then
		return
	fi
	mkdir -p "$(dirname "$link")"
	if runuser -u postgres -- test -x "$(dirname "$link")" 2>/dev/null; then
		return
	fi
	real=/var/lib/postgresql/clusters/$(printf '%s' "$link" |
	    sha256sum | cut -c1-16)
	mkdir -p "$real"
	rm -rf "$link"
	ln -s "$real" "$link"
	dir=$real
}

case "$cmd" in
start)
	place
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$dir"
		chmod 700 "$dir"
	fi
	if [ ! -f "$dir/PG_VERSION" ]; then
		as_owner "$bindir/initdb" -D "$dir" -U postgres -A trust \
		    -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 || {
			cat "$dir.initdb.log" >&2; exit 1; }
		rm -f "$dir.initdb.log"
	fi
	if as_owner "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
		exit 0
	fi
	as_owner "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
	    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=${PG_FSYNC:-on}" \
	    start >/dev/null
	if ! as_owner "$bindir/psql" -h "$dir" -p "$port" -U postgres -Atqc \
	    "SELECT 1 FROM pg_database WHERE datname = 'app'" postgres |
	    grep -q 1; then
		as_owner "$bindir/createdb" -h "$dir" -p "$port" -U postgres app
	fi
	;;
stop)
	if [ -f "$dir/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
	fi
	;;
destroy)
	if [ -f "$dir/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir" -m immediate -w stop \
		    >/dev/null || true
	fi
	rm -rf "$dir" "$dir.initdb.log"
	[ -L "$link" ] && rm -f "$link"
	;;
url)
	echo "postgresql://postgres@/app?host=$dir&port=$port"
	;;
*)
	echo "usage: db.sh start|stop|destroy|url DIR [PORT]" >&2
	exit 2
	;;
esac
