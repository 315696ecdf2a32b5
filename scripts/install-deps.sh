#!/bin/sh
# Installs the Debian packages that building, running and testing need.
# Idempotent and quiet when everything is already there.
set -eu

PKGS="build-essential pkg-config openssl ca-certificates kore
libssl-dev libpq-dev libjwt-dev libjansson-dev libcmocka-dev
libcurl4-openssl-dev zlib1g-dev postgresql-15 postgresql-client-15
util-linux procps"

# Extra tools for `make test` and `make bench`.
if [ "${1:-}" = "--test" ]; then
	PKGS="$PKGS python3 g++ wrk chromium git pgbouncer iproute2"
fi

# Node.js builds the OpenAPI document and installs Swagger UI; the tests
# run on it. Debian 12's own nodejs (18) and npm when there is no node
# (a machine with Node.js from elsewhere, 20 say, keeps it).
if ! command -v node >/dev/null 2>&1; then
	PKGS="$PKGS nodejs npm"
elif ! command -v npm >/dev/null 2>&1; then
	PKGS="$PKGS npm"
fi

# clang and its libFuzzer runtime for `make fuzz`.
if [ "${1:-}" = "--fuzz" ]; then
	PKGS="$PKGS clang libclang-rt-14-dev"
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	echo "installing:$missing"
	# The local cluster is ours (.data/), not a system service.
	$SUDO mkdir -p /etc/postgresql-common
	if [ ! -f /etc/postgresql-common/createcluster.conf ]; then
		echo "create_main_cluster = false" |
		    $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
	fi
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
fi

# Everything we run works on Node.js 18 (Debian 12) and 20.
v=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || v=0
if [ "$v" -lt 18 ] || ! command -v npm >/dev/null 2>&1; then
	echo "Node.js 18 or later and npm are needed (found:" \
	    "$(node --version 2>/dev/null || echo no node)," \
	    "$(npm --version 2>/dev/null || echo no npm))" >&2
	exit 1
fi
exit 0
