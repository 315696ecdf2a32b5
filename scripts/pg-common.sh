# Shared by db.sh and pgbouncer.sh (sourced): run a command as the owner
# of our PostgreSQL files, and put those files where that owner can reach.

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

# PostgreSQL and PgBouncer refuse to run as root: run them as postgres then.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# As root, our servers run as postgres, who may not be able to reach the
# checkout (a home directory of mode 700, say). Then the files live under
# /var/lib/postgresql/clusters and the path given is a link to them.
# Prints the directory to use.
owner_dir() {
	_link=$(realpath -m -s "$1")
	if [ "$(id -u)" -ne 0 ] || [ -L "$_link" ]; then
		realpath -m "$_link"
		return
	fi
	mkdir -p "$(dirname "$_link")"
	if runuser -u postgres -- test -x "$(dirname "$_link")" 2>/dev/null; then
		echo "$_link"
		return
	fi
	_real=/var/lib/postgresql/clusters/$(printf '%s' "$_link" |
	    sha256sum | cut -c1-16)
	mkdir -p "$_real"
	rm -rf "$_link"
	ln -s "$_real" "$_link"
	echo "$_real"
}

# A directory of ours, owned by the servers' user.
own_dir() {
	mkdir -p "$1"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$1"
		chmod 700 "$1"
	fi
}
