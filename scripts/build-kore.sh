#!/bin/sh
# Builds Kore from the Debian-shipped source (/usr/share/kore) with our
# patch for OpenSSL 3 (see patches/). Kore's source is copied into an
# ignored folder, never committed. Rebuilt only when the patch, the flavor
# or the Debian source changes.
#
#   scripts/build-kore.sh OUTDIR [SANITIZE]
set -eu

out=$1
sanitize=${2:-}
src=/usr/share/kore
patch=patches/kore-4.1-fixes.patch
flavor="PGSQL=1 TASKS=1 CURL=1"
[ -n "$sanitize" ] && flavor="$flavor SANITIZE=$sanitize NOOPT=1"

stamp="$(sha256sum "$patch" "$0" | sha256sum | cut -c1-16) $(cat "$src/RELEASE" 2>/dev/null) $flavor"
if [ -x "$out/kore" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

echo "building kore into $out ($flavor)"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -R "$src" "$out"
patch -s -p1 -d "$out" < "$patch"
if [ -n "$sanitize" ]; then
	# Kore's pool.c hands out 4-byte aligned entries (an upstream bug we
	# do not patch): UBSan's alignment check stays on for our module only.
	make -s -C "$out" -j"$(nproc)" PGSQL=1 TASKS=1 CURL=1 NOOPT=1 \
	    "SANITIZE=$sanitize -fno-sanitize=alignment -fno-omit-frame-pointer" \
	    kore >/dev/null
else
	make -s -C "$out" -j"$(nproc)" PGSQL=1 TASKS=1 CURL=1 kore >/dev/null
fi
echo "$stamp" > "$out/.stamp"
