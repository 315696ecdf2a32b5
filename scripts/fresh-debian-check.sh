#!/bin/bash
# Checks the README's promise on a fresh Debian 12 machine: in a throwaway
# copy of a minbase system (debootstrap --variant=minbase, nothing added:
# no Node.js, no make), the README's steps: install git and make, then
# `make run` must answer /healthz and `make test` must pass. Node.js and
# npm come from Debian (18) through scripts/install-deps.sh. Works on the
# committed tree only (a clone, as CI). Prints the wall time of each step.
#
#   scripts/fresh-debian-check.sh [--keep] [--test-only] [--app-dir PATH]
#	[BASE]
#
#   BASE		minbase Debian 12 tree, never modified (default
#			/srv/deb12); made with debootstrap when missing,
#			refused when it has Node.js or make already
#   --keep		leave the copy in place for inspection
#   --test-only		skip `make run`: `make test` on the fresh copy
#   --app-dir PATH	where the clone goes inside the copy (/root/app)
#
# Needs root (mount, chroot). The copy shares this machine's network:
# port 8888 must be free. Full logs stay in /tmp/fresh-debian-check.PID.
# Exits 0 only when both steps passed.
set -eu
set -o pipefail

CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RUN_TIMEOUT=${RUN_TIMEOUT:-600}	# seconds `make run` gets to answer /healthz
TEST_TIMEOUT=${TEST_TIMEOUT:-3600}	# seconds `make test` gets
PGPORT_DEFAULT=54329	# the Makefile's PGPORT

base=/srv/deb12
keep=0
test_only=0
appdir=/root/app
repo=$(cd "$(dirname "$0")/.." && git rev-parse --show-toplevel)
logs=${TMPDIR:-/tmp}/fresh-debian-check.$$
work=""		# everything we create: $work/root is the system
root=""
mode=""		# overlay or copy
pgport=""	# set when the default PGPORT is taken on this machine

usage() {
	echo "usage: ${0##*/} [--keep] [--test-only] [--app-dir PATH]" \
	    "[BASE]" >&2
	exit 2
}

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

log() {
	echo "==> $*"
}

# Is anything listening on 127.0.0.1:PORT (or on every address)?
port_busy() {
	if command -v ss >/dev/null 2>&1; then
		ss -Hltn "sport = :$1" | grep -q .
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# Mount points at or below $1, deepest first.
mounts_under() {
	findmnt -rn -o TARGET | awk -v d="$1" \
	    'index($0, d "/") == 1 || $0 == d' | sort -r
}

# Processes whose root directory is the copy: ours, from the steps.
chroot_pids() {
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] && echo "${p#/proc/}"
	done
	return 0
}

kill_leftovers() {
	local pids sig
	[ -n "$root" ] || return 0
	for sig in TERM KILL; do
		pids=$(chroot_pids)
		[ -n "$pids" ] || return 0
		log "stopping leftover processes in the copy ($sig):" $pids
		kill -s "$sig" $pids 2>/dev/null || true
		sleep 3
	done
}

# Undo every mount below the copy; the overlay itself too unless kept.
unmount_all() {
	local m
	for m in $(mounts_under "$root"); do
		[ "$m" = "$root" ] && continue
		umount "$m" 2>/dev/null || umount -l "$m" ||
		    echo "cannot unmount $m" >&2
	done
	if [ "$mode" = overlay ] && [ "$keep" -eq 0 ]; then
		umount "$root" 2>/dev/null || umount -l "$root" ||
		    echo "cannot unmount $root" >&2
	fi
}

cleanup() {
	local rc=$? left
	trap - EXIT INT TERM HUP
	set +e		# clean up as much as possible, whatever fails
	[ -n "$work" ] || exit "$rc"
	kill_leftovers
	unmount_all
	left=$(mounts_under "$work")
	if [ "$keep" -eq 1 ]; then
		# Only the overlay may remain: no /proc, /sys or /dev binds.
		echo "kept: $root"
		[ "$mode" = overlay ] && echo "  remove with: umount $root" \
		    "&& rm -rf --one-file-system $work"
		[ "$mode" = copy ] && echo "  remove with:" \
		    "rm -rf --one-file-system $work"
	elif [ -n "$left" ]; then
		# Never delete through a mount: it could be the host's /dev.
		echo "NOT removing $work, still mounted:" $left >&2
		rc=1
	else
		rm -rf --one-file-system "$work"
	fi
	exit "$rc"
}

# Creates the base with debootstrap when it does not exist.
make_base() {
	[ -d "$base" ] && return 0
	command -v debootstrap >/dev/null 2>&1 ||
	    die "$base is missing and debootstrap is not installed"
	log "creating $base with debootstrap (minbase, nothing added)"
	debootstrap --variant=minbase bookworm "$base" \
	    http://deb.debian.org/debian
}

# A fresh machine has none of what the README's steps install.
check_base() {
	local p
	for p in node nodejs npm make git gcc; do
		[ -e "$base/usr/bin/$p" ] &&
		    die "$base has /usr/bin/$p: not a fresh minbase system"
	done
	log "base: $(chroot "$base" dpkg-query -W -f='.\n' | wc -l)" \
	    "packages, no node, npm, make, git or compiler"
}

# A writable copy of the base: an overlay (instant, base untouched) or,
# where overlayfs is not available, a full copy.
make_copy() {
	local parent
	parent=$(dirname "$(realpath "$base")")
	work=$parent/$(basename "$base")-check-$$
	root=$work/root
	mkdir -p "$work/upper" "$work/ovl" "$root"
	if mount -t overlay overlay \
	    -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovl" \
	    "$root" 2>/dev/null; then
		mode=overlay
	else
		rmdir "$work/upper" "$work/ovl"
		cp -a --reflink=auto "$base/." "$root/"
		mode=copy
	fi
	log "copy of $base at $root ($mode)"
}

# Name resolution and package sources as on this machine, so apt reaches
# Debian's mirrors the way this host does (mirror, proxy settings).
copy_network() {
	local f n=0

	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
	copy_cas
	# debootstrap writes no /etc/hosts; every installed machine has one.
	if [ ! -e "$root/etc/hosts" ]; then
		printf '%s\n' "127.0.0.1	localhost" \
		    "::1		localhost ip6-localhost ip6-loopback" \
		    > "$root/etc/hosts"
	fi

	# Enabled Debian sources of this host, when their keys are in the
	# copy (a third-party repository's key is not: skipped).
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources; do
		[ -s "$f" ] || continue
		grep -qE '^[^#]*(deb\.debian\.org|debian)' "$f" || continue
		if grep -qiE '^[[:space:]]*Signed-By:' "$f" &&
		    ! awk 'tolower($1) == "signed-by:" { print $2 }' "$f" |
		    while read -r k; do [ -e "$root$k" ] || exit 1; done; then
			log "apt: skipping $f (its key is not in the copy)"
			continue
		fi
		mkdir -p "$root$(dirname "$f")"
		[ $n -eq 0 ] && [ -e "$root/etc/apt/sources.list" ] &&
		    mv "$root/etc/apt/sources.list" \
		    "$root/etc/apt/sources.list.base"
		cp "$f" "$root$f"
		log "apt: using this host's $f"
		n=$((n + 1))
	done

	# Proxy and mirror settings (snapshot mirrors need the date checks
	# relaxed); nothing else of this host's apt configuration.
	for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
		[ -f "$f" ] || continue
		grep -qiE 'proxy|Check-Valid-Until|Check-Date' "$f" || continue
		cp "$f" "$root$f"
		log "apt: using this host's $f"
	done
}

# The PEM certificates of a bundle, one file each, named by their hash.
split_bundle() {
	local f
	mkdir -p "$2"
	awk -v d="$2" '/-----BEGIN CERTIFICATE-----/ { n++; f = d "/" n }
	    n && f { print > f }
	    /-----END CERTIFICATE-----/ { close(f); f = "" }' "$1"
	for f in "$2"/*; do
		[ -f "$f" ] || continue
		mv "$f" "$2/$(sha256sum < "$f" | cut -c1-16).crt"
	done
}

# Certificate authorities this host trusts beyond Debian's (a TLS
# inspecting proxy on the way to registry.npmjs.org, say): added to the
# copy the Debian way, so later ca-certificates runs keep them.
copy_cas() {
	local bundle=/etc/ssl/certs/ca-certificates.crt f n=0 ref
	[ -f "$bundle" ] || return 0
	split_bundle "$bundle" "$logs/ca/host"
	ref=$root$bundle
	if [ ! -f "$ref" ]; then
		# Minbase has no bundle yet (ca-certificates comes with
		# install-deps, whose update-ca-certificates adds ours):
		# compare with Debian's own set on this machine.
		ref=$logs/ca/debian.pem
		cat /usr/share/ca-certificates/mozilla/*.crt > "$ref" \
		    2>/dev/null || : > "$ref"
	fi
	split_bundle "$ref" "$logs/ca/copy"
	mkdir -p "$root/usr/local/share/ca-certificates"
	for f in "$logs"/ca/host/*.crt; do
		[ -e "$logs/ca/copy/${f##*/}" ] && continue
		cp "$f" "$root/usr/local/share/ca-certificates/host-${f##*/}"
		n=$((n + 1))
	done
	rm -rf "$logs/ca"
	[ $n -gt 0 ] || return 0
	log "adding $n certificate authorities this host trusts"
	if [ -x "$root/usr/sbin/update-ca-certificates" ]; then
		env -i PATH=$CHROOT_PATH chroot "$root" \
		    update-ca-certificates >/dev/null 2>&1
	fi
	# Node.js trusts its own CA list only: point it at the system one,
	# machine-wide as this host does, so `npm ci --prefix` (which reads
	# no global npmrc) reaches the registry. Login shells read this.
	echo "export NODE_EXTRA_CA_CERTS=$bundle" \
	    > "$root/etc/profile.d/host-ca.sh"
}

bind_mounts() {
	local m
	for m in /proc /sys /dev /dev/pts /dev/shm; do
		mkdir -p "$root$m"
		mount --bind "$m" "$root$m"
		mount --make-private "$root$m"
	done
}

# Runs a command line in the copy: root, a clean environment, login shell.
in_copy() {
	env -i PATH=$CHROOT_PATH HOME=/root CI=true ${pgport:+PGPORT=$pgport} \
	    chroot "$root" /bin/bash -lc "$1"
}

# Step 0: the README's "fresh machine" line: git and make from apt.
step_prereq() {
	in_copy "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends git make \
	    >/dev/null"
}

# Step 1: `make run` (its own session: Kore and its workers stop
# together) until /healthz answers 200 with JSON over HTTPS, verified
# with the CA make run generated, polled from this machine (the copy
# shares its network and has no curl); then stop it and the database.
step_run() {
	local pid code ok=0 t0 ca=$root$appdir/.data/tls/ca.pem i
	t0=$(date +%s)
	# exec all the way: $! is setsid's process, the session's leader.
	(exec env -i PATH=$CHROOT_PATH HOME=/root CI=true \
	    ${pgport:+PGPORT=$pgport} chroot "$root" /bin/bash -lc \
	    "cd '$appdir' && exec setsid timeout $RUN_TIMEOUT make run") \
	    >"$logs/make-run.log" 2>&1 </dev/null &
	pid=$!
	while :; do
		code=000
		[ -f "$ca" ] && code=$(curl -s -m 5 --cacert "$ca" \
		    -o "$logs/healthz.json" -w '%{http_code}' \
		    https://localhost:8888/healthz 2>/dev/null) || code=000
		if [ "$code" = 200 ] &&
		    head -c1 "$logs/healthz.json" | grep -q '[{[]'; then
			ok=1
			break
		fi
		kill -0 "$pid" 2>/dev/null || break
		[ $(($(date +%s) - t0)) -lt "$RUN_TIMEOUT" ] || break
		sleep 2
	done
	if [ $ok -eq 1 ]; then
		echo "healthz: HTTP 200 after $(($(date +%s) - t0))s:" \
		    "$(cat "$logs/healthz.json")"
		curl -s --cacert "$ca" -w '\nreadyz: HTTP %{http_code}\n' \
		    https://localhost:8888/readyz || true
	else
		echo "healthz: no 200 JSON answer after" \
		    "$(($(date +%s) - t0))s (last HTTP $code)"
	fi
	kill -TERM -- "-$pid" 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 -- "-$pid" 2>/dev/null || break
		sleep 1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	in_copy "cd '$appdir' && make --no-print-directory db-stop" \
	    >>"$logs/make-run.log" 2>&1 || echo 'make db-stop failed'
	echo "node in the copy: $(in_copy 'node --version' 2>&1)," \
	    "npm $(in_copy 'npm --version' 2>&1)," \
	    "$(in_copy "dpkg-query -W -f='\${Package} \${Version}' nodejs" 2>&1)"
	echo '--- make run output (tail) ---'
	tail -n 40 "$logs/make-run.log"
	[ $ok -eq 1 ]
}

# Step 2: the whole test suite.
step_test() {
	in_copy "cd '$appdir' && timeout $TEST_TIMEOUT make test" \
	    >"$logs/make-test.log" 2>&1
}

# Whether `make test` failed only for want of the unit test sources that
# are being written and not committed yet.
only_missing_units() {
	local errs
	errs=$(grep -E '\*\*\*|^make.*Error' "$logs/make-test.log" |
	    grep -vE "No rule to make target 'tests/unit/test_[a-z_]+\.c'" |
	    grep -vE '\[(Makefile:[0-9]+: )?(test|unit)\] Error' || true)
	[ -z "$errs" ] &&
	    grep -qE "No rule to make target 'tests/unit/test_[a-z_]+\.c'" \
	    "$logs/make-test.log"
}

# Step 2b: everything `make test` does except the unit tests.
step_rest() {
	in_copy "cd '$appdir' && timeout $TEST_TIMEOUT make deps-test \
	    .build/kore/kore .build/kore-asan/kore .build/app-asan.so \
	    integration" >"$logs/make-rest.log" 2>&1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--keep)		keep=1 ;;
	--test-only)	test_only=1 ;;
	--app-dir)	[ $# -ge 2 ] || usage; appdir=$2; shift ;;
	-*)		usage ;;
	*)		base=${1%/} ;;
	esac
	shift
done
case "$appdir" in /*) ;; *) usage ;; esac

[ "$(id -u)" -eq 0 ] || die "needs root (mount, chroot)"
port_busy 8888 && die "port 8888 is in use on this machine; the copy" \
    "shares its network, stop that server first"

trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$logs"

make_base
[ -x "$base/bin/bash" ] || die "$base does not look like a Debian system"
check_base
make_copy
copy_network
log "cloning $repo ($(git -C "$repo" log -1 --format='%h %s'))"
git clone -q --no-local "$repo" "$root$appdir"
bind_mounts

# The local cluster listens on 127.0.0.1 of this machine's network too.
if port_busy "$PGPORT_DEFAULT"; then
	pgport=$PGPORT_DEFAULT
	while port_busy "$pgport"; do
		pgport=$((pgport + 1))
	done
	log "port $PGPORT_DEFAULT is taken on this machine: PGPORT=$pgport"
fi

log "step 0: apt-get install git make (the README's first line)"
t0=$(date +%s)
step_prereq || die "installing git and make failed"
prereq_time=$(( $(date +%s) - t0 ))

run_rc=0
run_time=0
if [ $test_only -eq 0 ]; then
	log "step 1: make run"
	t0=$(date +%s)
	if step_run 2>&1 | tee "$logs/step-run.log"; then run_rc=0
	else run_rc=$?; fi
	run_time=$(( $(date +%s) - t0 ))
	kill_leftovers
fi

port_busy 8888 && die "port 8888 still in use after step 1"
log "step 2: make test"
t0=$(date +%s)
if step_test; then test_rc=0; else test_rc=$?; fi
test_time=$(( $(date +%s) - t0 ))
echo "--- make test output (tail) ---"
tail -n 60 "$logs/make-test.log"
echo "make test: exit $test_rc"
kill_leftovers

rest=""
if [ $test_rc -ne 0 ] && only_missing_units; then
	log "make test failed only on uncommitted unit tests: the rest"
	t0=$(date +%s)
	if step_rest; then rest_rc=0; else rest_rc=$?; fi
	rest_time=$(( $(date +%s) - t0 ))
	echo "--- make deps-test ... integration output (tail) ---"
	tail -n 60 "$logs/make-rest.log"
	kill_leftovers
	rest="rest of make test: $([ $rest_rc -eq 0 ] && echo PASS ||
	    echo "FAIL (exit $rest_rc)"), ${rest_time}s"
fi

echo
echo "summary (commit $(git -C "$root$appdir" log -1 --format=%h), logs in $logs):"
echo "git, make: installed, ${prereq_time}s"
if [ $test_only -eq 1 ]; then
	echo "make run:  skipped (--test-only)"
else
	echo "make run:  $([ $run_rc -eq 0 ] &&
	    echo "PASS, /healthz answered" || echo "FAIL (exit $run_rc)")," \
	    "${run_time}s"
fi
if [ $test_rc -eq 0 ]; then
	echo "make test: PASS, ${test_time}s"
elif [ -n "$rest" ]; then
	echo "make test: FAIL (exit $test_rc): unit test sources not" \
	    "committed, ${test_time}s"
	echo "$rest"
else
	echo "make test: FAIL (exit $test_rc), ${test_time}s"
fi
[ $run_rc -eq 0 ] && [ $test_rc -eq 0 ]
