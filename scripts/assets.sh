#!/bin/sh
# Turns files of assets/ into C the way kodev does (cli_build_asset in
# /usr/share/kore/src/cli.c), for the Makefile's module: per file a
# NAME_EXT.c with asset_NAME_EXT[] (NUL-terminated, the NUL not counted),
# asset_len_, asset_mtime_, asset_sha256_ (a quoted ETag) and
# asset_serve_NAME_EXT(), and an assets.h declaring them. The output is
# byte for byte kodev's (tests/integration/kodev.test.mjs compares them);
# types for asset_serve_ come from build.conf's mime_add lines.
#
#   scripts/assets.sh OUTDIR BUILD_CONF FILE...
set -eu

out=$1
conf=$2
shift 2
mkdir -p "$out"
hdr=$out/assets.h.tmp

# The type kodev's mime_add gives an extension (case-insensitive), else
# text/plain as kodev.
mime_type() {
	awk -v ext="$1" '
	    /^[[:space:]]*mime_add[[:space:]]*=/ {
		sub(/^[^=]*=[[:space:]]*/, "")
		i = index($0, ":")
		if (i > 0 && tolower(substr($0, 1, i - 1)) == tolower(ext)) {
			t = substr($0, i + 1); sub(/[[:space:]]+$/, "", t)
			print t; found = 1; exit
		}
	    }
	    END { if (!found) print "text/plain" }' "$conf"
}

printf '#ifndef __H_KORE_ASSETS_H\n#define __H_KORE_ASSETS_H\n' > "$hdr"
for f in "$@"; do
	base=${f##*/}
	# kodev skips hidden, editor and empty files.
	case "$base" in .*|*~*|*'#'*) continue ;; esac
	[ -s "$f" ] || continue
	case "$base" in *.*) ;; *) echo "assets.sh: no extension: $f" >&2
	    exit 1 ;; esac
	full=$(printf '%s' "$base" | tr '. \t-' '____')
	ext=${base##*.}
	ext=$(printf '%s' "$ext" | tr ' \t-' '___')
	name=${full%_"$ext"}
	sym=${name}_$ext
	len=$(stat -c %s "$f")
	mtime=$(stat -c %Y "$f")
	hash=$(sha256sum < "$f" | cut -c1-64)
	type=$(mime_type "$ext")
	{
		printf '/* Auto generated */\n#include <sys/types.h>\n\n'
		printf '#include <kore/kore.h>\n#include <kore/http.h>\n\n'
		printf '#include "assets.h"\n\n'
		printf 'const u_int8_t asset_%s[] = {\n' "$sym"
		od -An -v -tx1 "$f" | tr -d '\n' | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'
		printf '0x00};\n\n'
		printf 'const u_int32_t asset_len_%s = %s;\n' "$sym" "$len"
		printf 'const time_t asset_mtime_%s = %s;\n' "$sym" "$mtime"
		printf 'const char *asset_sha256_%s = "\\"%s\\"";\n' "$sym" "$hash"
		printf 'int\nasset_serve_%s(struct http_request *req)\n{\n' "$sym"
		printf '\thttp_serveable(req, asset_%s, asset_len_%s,\n' "$sym" "$sym"
		printf '\t    asset_sha256_%s, "%s");\n' "$sym" "$type"
		printf '\treturn (KORE_RESULT_OK);\n}\n'
	} > "$out/$full.c.tmp"
	mv "$out/$full.c.tmp" "$out/$full.c"
	printf 'extern const u_int8_t asset_%s[];\n' "$sym" >> "$hdr"
	printf 'extern const u_int32_t asset_len_%s;\n' "$sym" >> "$hdr"
	printf 'extern const time_t asset_mtime_%s;\n' "$sym" >> "$hdr"
	printf 'extern const char *asset_sha256_%s;\n' "$sym" >> "$hdr"
	printf 'int asset_serve_%s(struct http_request *);\n' "$sym" >> "$hdr"
done
printf '\n#endif\n' >> "$hdr"
mv "$hdr" "$out/assets.h"
