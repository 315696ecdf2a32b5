#!/bin/sh
# A private PostgreSQL cluster under a directory of ours: no system service,
# its own socket directory and port.
#
#   scripts/db.sh start DIR PORT    init (first time) and start; prints nothing
#   scripts/db.sh stop DIR          fast shutdown
#   scripts/db.sh destroy DIR       stop and remove the cluster
#   scripts/db.sh url DIR PORT      the DATABASE_URL for it (unix socket)
#   scripts/db.sh secure DIR PORT TLSDIR PASSWORD
#                                   production's path for role "app": TLS
#                                   with TLSDIR's certificate, SCRAM, and a
#                                   pg_hba.conf that allows nothing else
set -eu

cmd=$1
link=$(realpath -m -s "$2")
dir=$(realpath -m "$2")
port=${3:-54329}
. "$(dirname "$0")/pg-common.sh"
[ -n "$bindir" ] || { echo "db.sh: PostgreSQL is not installed" >&2; exit 1; }

case "$cmd" in
start)
	dir=$(owner_dir "$link")
	own_dir "$dir"
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
	    -o "-p $port -k $dir -c listen_addresses='127.0.0.1,::1' -c max_connections=200 -c fsync=${PG_FSYNC:-on}" \
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
secure)
	tls=$4
	password=$5
	cp "$tls/server.pem" "$dir/server.crt"
	cp "$tls/key.pem" "$dir/server.key"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/server.crt" \
	    "$dir/server.key"
	chmod 600 "$dir/server.key"
	# The superuser keeps the socket (the tests' own psql); the role the
	# server under test uses gets TLS and SCRAM over TCP, nothing else.
	cat >"$dir/pg_hba.conf" <<-HBA
	local	all	postgres		trust
	hostssl	all	app	127.0.0.1/32	scram-sha-256
	hostssl	all	app	::1/128		scram-sha-256
	HBA
	as_owner "$bindir/psql" -h "$dir" -p "$port" -U postgres -XAtq \
	    -v ON_ERROR_STOP=1 -v pw="$password" postgres <<-'SQL' >/dev/null
	ALTER SYSTEM SET ssl = on;
	ALTER SYSTEM SET ssl_cert_file = 'server.crt';
	ALTER SYSTEM SET ssl_key_file = 'server.key';
	ALTER SYSTEM SET password_encryption = 'scram-sha-256';
	SELECT pg_reload_conf();
	SET password_encryption = 'scram-sha-256';
	SELECT 'CREATE ROLE app LOGIN'
	    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app')
	\gexec
	ALTER ROLE app PASSWORD :'pw';
	ALTER DATABASE app OWNER TO app;
	SQL
	;;
*)
	echo "usage: db.sh start|stop|destroy|url|secure DIR [PORT ...]" >&2
	exit 2
	;;
esac
