#!/bin/bash
# A PgBouncer in transaction mode in front of our cluster, as Neon's pooler
# is: TLS to clients, SCRAM, and verify-full TLS to the server.
#
#   scripts/pgbouncer.sh start DIR PORT PGPORT TLSDIR PASSWORD [plain]
#                                   start on 127.0.0.1:PORT for role "app";
#                                   "plain": no TLS to clients (tests only)
#   scripts/pgbouncer.sh stop DIR
set -eu

cmd=$1
. "$(dirname "$0")/pg-common.sh"
command -v pgbouncer >/dev/null ||
    { echo "pgbouncer.sh: pgbouncer is not installed" >&2; exit 1; }

case "$cmd" in
start)
	dir=$(owner_dir "$2")
	port=$3
	pgport=$4
	tls=$5
	password=$6
	own_dir "$dir"
	cp "$tls/server.pem" "$dir/server.crt"
	cp "$tls/key.pem" "$dir/server.key"
	cp "$tls/ca.pem" "$dir/ca.pem"
	client_tls="client_tls_sslmode = require
client_tls_cert_file = $dir/server.crt
client_tls_key_file = $dir/server.key"
	[ "${7:-}" = plain ] && client_tls="client_tls_sslmode = disable"
	printf '"app" "%s"\n' "$password" >"$dir/userlist.txt"
	cat >"$dir/pgbouncer.ini" <<-INI
	[databases]
	* = host=localhost port=$pgport

	[pgbouncer]
	listen_addr = 127.0.0.1
	listen_port = $port
	unix_socket_dir =
	pool_mode = transaction
	auth_type = scram-sha-256
	auth_file = $dir/userlist.txt
	max_client_conn = 500
	default_pool_size = 20
	; A restarted server is tried again after 1 s, not 15; a client waits
	; at most 5 s for a server connection, then gets an error (our 503).
	server_login_retry = 1
	query_wait_timeout = 5
	$client_tls
	server_tls_sslmode = verify-full
	server_tls_ca_file = $dir/ca.pem
	logfile = $dir/pgbouncer.log
	pidfile = $dir/pgbouncer.pid
	INI
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$dir"/*
	fi
	chmod 600 "$dir/server.key" "$dir/userlist.txt"
	as_owner pgbouncer -d -q "$dir/pgbouncer.ini"
	# Up once it accepts connections (it daemonizes before listening).
	i=0
	until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$dir/pgbouncer.log" >&2; exit 1; }
		sleep 0.1
	done
	;;
stop)
	dir=$(realpath -m "$2")
	if [ -f "$dir/pgbouncer.pid" ]; then
		kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
	fi
	;;
*)
	echo "usage: pgbouncer.sh start|stop DIR ..." >&2
	exit 2
	;;
esac
