# Build, run and test the service. README.md explains each target.
#
#   make run       install what is missing, start the local database,
#                  build, serve HTTPS on 127.0.0.1:8888
#   make test      the same set-up from nothing, then every test
#   make dev       what `kodev run` needs (build.conf: one binary)
#   make fuzz      each fuzz target for FUZZ_SECONDS (30) with libFuzzer
#   make db-stop   stop the local database cluster

CC		?= cc
BUILD		:= .build
DATA		:= .data
PGPORT		?= 54329
KORE		:= $(BUILD)/kore/kore
KORE_ASAN	:= $(BUILD)/kore-asan/kore
MODULE		:= $(BUILD)/app.so
MODULE_ASAN	:= $(BUILD)/app-asan.so
PATCH		:= patches/kore-4.1-fixes.patch
DOCS		:= $(BUILD)/docs/openapi.json
SWAGGER_UI	:= openapi/node_modules/.package-lock.json

# assets/ compiled in as kodev does it: asset_<name>_<ext> symbols.
ASSETS		:= $(wildcard assets/*)
ASSET_DIR	:= $(BUILD)/assets
ASSET_H		:= $(ASSET_DIR)/assets.h
ASSET_SRCS	:= $(foreach f,$(notdir $(ASSETS)),$(ASSET_DIR)/$(subst -,_,$(subst .,_,$(f))).c)

# kodev names the app after the checkout's folder: conf/$(APP).conf.
APP		:= $(notdir $(CURDIR))
KODEV_CONF	:= $(BUILD)/kodev/kore.conf

SRCS		:= $(wildcard src/*/*.c)
HDRS		:= $(wildcard src/*/*.h)
OBJS		:= $(SRCS:src/%.c=$(BUILD)/obj/%.o) \
		   $(ASSET_SRCS:$(ASSET_DIR)/%.c=$(BUILD)/obj/assets/%.o)
OBJS_ASAN	:= $(SRCS:src/%.c=$(BUILD)/obj-asan/%.o) \
		   $(ASSET_SRCS:$(ASSET_DIR)/%.c=$(BUILD)/obj-asan/assets/%.o)

# Kore's feature flags must match the kore binary we build (struct layouts).
KORE_FEATURES	:= -DKORE_USE_PGSQL -DKORE_USE_TASKS -DKORE_USE_CURL
# Deferred (=): on a fresh machine libpq-dev comes with `make deps`, after
# make has read this file.
PG_INCLUDE	= $(or $(shell pg_config --includedir 2>/dev/null),/usr/include/postgresql)

WARNINGS	:= -Wall -Wextra -Werror -Wstrict-prototypes \
		   -Wmissing-prototypes -Wmissing-declarations -Wshadow \
		   -Wpointer-arith -Wcast-qual -Wsign-compare \
		   -Wno-unused-parameter
CFLAGS_BASE	= -std=c99 -D_GNU_SOURCE -fPIC -g $(WARNINGS) \
		   -I$(BUILD)/kore/include -I$(PG_INCLUDE) -Isrc -I$(ASSET_DIR) \
		   $(KORE_FEATURES)
CFLAGS_REL	= $(CFLAGS_BASE) -O2 -fstack-protector-strong \
		   -D_FORTIFY_SOURCE=2
SANITIZE	:= -fsanitize=address,undefined -fno-omit-frame-pointer
CFLAGS_ASAN	= $(CFLAGS_BASE) -O1 $(SANITIZE)
LIBS		:= -lpq -ljansson -lcurl -lz -lssl -lcrypto

# Unit tests: tests/unit/test_NAME.c with the src/ files it covers.
UNIT_TESTS		:= settings migrate request_log validation db_errors jwt \
			   digest_cache fields cursor netaddr ratelimit strbuf \
			   rfc3339 b64url tasks_sql task_json metrics etag \
			   multipart att_meta webhook live_slots count_cache
UNIT_SRCS_settings	:= src/core/settings.c src/core/netaddr.c
UNIT_SRCS_netaddr	:= src/core/netaddr.c
UNIT_SRCS_ratelimit	:= src/core/ratelimit.c
UNIT_SRCS_migrate	:= src/core/migrate.c src/core/digest_cache.c \
			   src/core/hash.c
UNIT_SRCS_request_log	:= src/core/request_log.c
UNIT_SRCS_validation	:= src/core/validation.c
UNIT_SRCS_db_errors	:= src/core/db_errors.c
UNIT_SRCS_jwt		:= src/auth/jwt.c src/auth/jwks.c src/core/b64url.c \
			   src/core/strbuf.c
UNIT_SRCS_digest_cache	:= src/core/digest_cache.c
UNIT_SRCS_fields	:= src/core/fields.c src/core/validation.c \
			   src/core/rfc3339.c
UNIT_SRCS_cursor	:= src/api/cursor.c src/core/rfc3339.c \
			   src/core/fields.c src/core/validation.c \
			   src/core/b64url.c src/core/strbuf.c
UNIT_SRCS_strbuf	:= src/core/strbuf.c
UNIT_SRCS_rfc3339	:= src/core/rfc3339.c
UNIT_SRCS_b64url	:= src/core/b64url.c src/core/strbuf.c
UNIT_SRCS_tasks_sql	:= src/api/tasks_sql.c src/core/strbuf.c
UNIT_SRCS_task_json	:= src/api/task_json.c src/db/db_rows.c \
			   src/api/tasks_sql.c src/core/b64url.c \
			   src/core/strbuf.c
UNIT_SRCS_metrics	:= src/core/metrics.c src/core/strbuf.c
UNIT_SRCS_etag		:= src/core/etag.c
UNIT_SRCS_multipart	:= src/core/multipart.c
UNIT_SRCS_att_meta	:= src/core/att_meta.c src/core/byterange.c
UNIT_SRCS_webhook	:= src/core/hash.c src/core/backoff.c \
			   src/core/netaddr.c src/core/webhook_url.c
UNIT_SRCS_live_slots	:= src/core/live_slots.c src/core/strbuf.c
UNIT_SRCS_count_cache	:= src/core/count_cache.c
UNIT_BINS		:= $(UNIT_TESTS:%=$(BUILD)/unit/test_%)

# Fuzz targets: fuzz/fuzz_NAME.c with the src/ files it covers. make fuzz
# builds them with clang's libFuzzer; make test (unit) replays every file
# of fuzz/corpus/NAME/ through the same code under the test sanitizers.
FUZZ_TARGETS		:= rfc3339 cursor fields jwt jwks task_json \
			   request_log settings multipart
FUZZ_SRCS_rfc3339	:= src/core/rfc3339.c src/core/fields.c \
			   src/core/validation.c
FUZZ_SRCS_cursor	:= src/api/cursor.c src/core/rfc3339.c \
			   src/core/fields.c src/core/validation.c \
			   src/api/tasks_sql.c src/core/strbuf.c \
			   src/core/b64url.c
FUZZ_SRCS_fields	:= src/core/fields.c src/core/validation.c \
			   src/core/rfc3339.c
FUZZ_SRCS_jwt		:= src/auth/jwt.c src/auth/jwks.c src/core/b64url.c \
			   src/core/strbuf.c
FUZZ_SRCS_jwks		:= src/auth/jwt.c src/auth/jwks.c src/core/b64url.c \
			   src/core/strbuf.c
FUZZ_SRCS_task_json	:= src/api/task_json.c src/core/strbuf.c \
			   src/api/tasks_sql.c src/api/cursor.c \
			   src/core/rfc3339.c src/core/fields.c \
			   src/core/validation.c src/core/b64url.c \
			   src/db/db_rows.c src/core/etag.c
FUZZ_SRCS_request_log	:= src/core/request_log.c src/api/cursor.c \
			   src/core/rfc3339.c src/core/fields.c \
			   src/core/validation.c src/core/b64url.c \
			   src/core/strbuf.c
FUZZ_SRCS_settings	:= src/core/settings.c src/core/netaddr.c
FUZZ_SRCS_multipart	:= src/core/multipart.c src/core/att_meta.c \
			   src/core/byterange.c
FUZZ_EXTRA_jwt		:= fuzz/keys.c
FUZZ_EXTRA_jwks		:= fuzz/keys.c
FUZZ_HDRS		:= $(wildcard fuzz/*.h)
FUZZ_SECONDS		?= 30
FUZZ_CC			:= clang
FUZZ_SANITIZE		:= -fsanitize=address,undefined \
			   -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang, not the gcc -Werror set: a clang-only warning in src/ must not
# stop fuzzing.
FUZZ_CFLAGS		= -std=c99 -D_GNU_SOURCE -g -O1 -Wall -Wextra \
			   -Wno-unused-parameter -I$(PG_INCLUDE) -Isrc -Ifuzz
# A target's objects, in its rules (by the target's name, $*).
FUZZ_OBJS		= $(FUZZ_SRCS_$*:src/%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_OBJS_ASAN		= $(FUZZ_SRCS_$*:src/%.c=$(BUILD)/obj-asan/%.o)
FUZZ_BINS		:= $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_REPLAY		:= $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay/fuzz_%)

.PHONY: dev-secret all run test layers unit integration deps deps-test kore module \
	docs cert db db-stop bench clean distclean dev kodev-conf fuzz \
	fuzz-replay fuzz-minimize deps-fuzz

all: module docs

deps:
	@scripts/install-deps.sh

deps-test:
	@scripts/install-deps.sh --test

deps-fuzz:
	@scripts/install-deps.sh --fuzz

kore: $(KORE)

$(KORE): $(PATCH) scripts/build-kore.sh
	@scripts/build-kore.sh $(BUILD)/kore

$(KORE_ASAN): $(PATCH) scripts/build-kore.sh
	@scripts/build-kore.sh $(BUILD)/kore-asan address,undefined

module: $(MODULE)

$(MODULE): $(OBJS)
	$(CC) -shared -o $@ $(OBJS) $(LIBS)

$(MODULE_ASAN): $(OBJS_ASAN)
	$(CC) -shared $(SANITIZE) -o $@ $(OBJS_ASAN) $(LIBS)

# Kore's headers as patched (.build/kore/include): our patch changes
# structs the module embeds, so the module must see the same layouts.
$(BUILD)/obj/%.o: src/%.c $(HDRS) $(PATCH) | $(KORE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_REL) -c $< -o $@

$(BUILD)/obj-asan/%.o: src/%.c $(HDRS) $(PATCH) | $(KORE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ASAN) -c $< -o $@

# The same C files kodev writes for assets/ (scripts/assets.sh).
$(ASSET_H) $(ASSET_SRCS) &: $(ASSETS) build.conf scripts/assets.sh
	@scripts/assets.sh $(ASSET_DIR) build.conf $(ASSETS)

$(BUILD)/obj/api/ops_docs.o $(BUILD)/obj-asan/api/ops_docs.o: $(ASSET_H)

$(BUILD)/obj/assets/%.o: $(ASSET_DIR)/%.c $(ASSET_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_REL) -c $< -o $@

$(BUILD)/obj-asan/assets/%.o: $(ASSET_DIR)/%.c $(ASSET_H)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ASAN) -c $< -o $@

# The OpenAPI document (kore.conf + openapi/api.mjs) and Swagger UI, which
# the server reads from DOCS_DIR at start. Fails when the two disagree.
docs: $(DOCS)

$(DOCS): kore.conf $(wildcard conf/routes/*.conf) scripts/kore-conf.mjs \
    $(wildcard openapi/*.mjs) $(SWAGGER_UI)
	@node openapi/build.mjs $(BUILD)/docs

$(SWAGGER_UI): openapi/package-lock.json
	@npm ci --prefix openapi --no-audit --no-fund --loglevel=error

cert: $(DATA)/tls/cert.pem

$(DATA)/tls/cert.pem:
	@scripts/dev-cert.sh $(DATA)/tls

# The local cluster, unless DATABASE_URL (environment or .env) says where.
db:
	@scripts/db.sh start $(DATA)/pg $(PGPORT)

db-stop:
	@scripts/db.sh stop $(DATA)/pg

LOCAL_DB_URL = $(shell scripts/db.sh url $(DATA)/pg $(PGPORT))
# Another database: DATABASE_URL in the environment, or in .env unless it
# names the local cluster (`make dev` writes that one there for kodev).
USES_OWN_DB = $(or $(DATABASE_URL),$(shell grep -s '^DATABASE_URL=' .env | \
	grep -qvF '$(LOCAL_DB_URL)' && echo yes))

# A server refuses to start without a source of token keys. For the local
# loop only, a random shared secret goes into .env when neither the
# environment nor .env names one; put your Better Auth's
# BETTER_AUTH_JWKS_URL there instead to use real sign-ins.
dev-secret:
	@if [ -z "$$BETTER_AUTH_JWKS_URL$$BETTER_AUTH_JWKS_FILE$$BETTER_AUTH_SECRET" ] && \
	    ! grep -qsE '^(export )?BETTER_AUTH_(JWKS_URL|JWKS_FILE|SECRET)=.' .env; then \
		printf '%s\nBETTER_AUTH_SECRET=%s\n' \
		    '# A development secret (make run): HS256 tokens signed with it are accepted.' \
		    "$$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >> .env; \
		echo "no token keys configured: wrote a development BETTER_AUTH_SECRET to .env"; \
	fi

run: deps $(KORE) $(MODULE) $(DOCS) cert dev-secret
	@$(if $(USES_OWN_DB),true,$(MAKE) --no-print-directory db)
	@echo "serving https://127.0.0.1:8888 (Ctrl-C stops; make db-stop stops the database)"
	$(if $(USES_OWN_DB),,DATABASE_URL='$(LOCAL_DB_URL)') exec $(KORE) -fnr -c kore.conf

# Everything `kodev build` / `kodev run` need that kodev does not make: the
# patched Kore source it compiles (.build/kore), the OpenAPI document and
# Swagger UI (DOCS_DIR), the certificate, the local database and its URL
# in .env, and kodev's names: conf/$(APP).conf, cert/.
dev: deps $(KORE) $(DOCS) cert kodev-conf dev-secret
	@$(if $(USES_OWN_DB),true,$(MAKE) --no-print-directory db)
	@if [ -z "$(USES_OWN_DB)" ] && ! grep -qs '^DATABASE_URL=' .env; then \
		printf '%s\nDATABASE_URL=%s\n' \
		    '# The local cluster (make dev), for kodev run.' \
		    '$(LOCAL_DB_URL)' >> .env; \
		echo "wrote the local cluster's DATABASE_URL to .env"; \
	fi
	@if [ -d cert ] && [ ! -L cert ]; then echo "cert/ is kodev's own" \
	    "certificate; remove it to use $(DATA)/tls" >&2; \
	else ln -sfn $(DATA)/tls cert; fi
	@echo "ready: kodev run (https://127.0.0.1:8888, binary ./$(APP))"

# kodev reads conf/<folder>.conf and embeds it in the binary: kore.conf
# with its includes in place, without its load line (the module is built
# in).
kodev-conf: $(KODEV_CONF)
	@case "$(APP)" in build|*' '*) echo "kodev cannot use a checkout" \
	    "folder named '$(APP)'" >&2; exit 1 ;; esac
	@ln -sfn ../$(KODEV_CONF) conf/$(APP).conf

$(KODEV_CONF): kore.conf $(wildcard conf/routes/*.conf) scripts/kore-conf.mjs
	@mkdir -p $(@D)
	@{ echo '# Generated by make from kore.conf, its includes in place and'; \
	    echo '# without the load line: the binary kodev builds has the module'; \
	    echo '# and its routes in it. Edit kore.conf and conf/.'; \
	    node scripts/kore-conf.mjs kore.conf | sed '/^load[[:space:]]/d'; \
	    } > $@.tmp && mv $@.tmp $@

test: deps-test $(KORE) $(KORE_ASAN) $(MODULE_ASAN) $(DOCS)
	@$(MAKE) --no-print-directory layers
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory integration

# The include rules of src/'s layers (README.md, "Layout").
layers:
	@node scripts/check-layers.mjs

unit: $(UNIT_BINS) $(FUZZ_REPLAY)
	@set -e; for t in $(UNIT_BINS); do \
		ASAN_OPTIONS=detect_leaks=1 $$t; \
	done
	@$(MAKE) --no-print-directory fuzz-replay

# Rebuilt when the test or any source it links changes.
.SECONDEXPANSION:
$(BUILD)/unit/test_%: tests/unit/test_%.c $$(UNIT_SRCS_$$*) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ASAN) -Wno-missing-prototypes -Wno-missing-declarations \
	    -o $@ $< $(UNIT_SRCS_$*) $(LIBS) -lcmocka

# Every committed corpus file once, and every reproducer of a fixed
# finding (fuzz/crashes/TARGET-*), in seconds; any finding fails.
fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for t in $(FUZZ_TARGETS); do \
		ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		    $(BUILD)/fuzz-replay/fuzz_$$t fuzz/corpus/$$t; \
		for f in fuzz/crashes/$$t-*; do \
			[ -f "$$f" ] || continue; \
			ASAN_OPTIONS=detect_leaks=1 \
			UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
			    $(BUILD)/fuzz-replay/fuzz_$$t "$$f" >/dev/null; \
		done; \
	done

$(BUILD)/fuzz-replay/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.c fuzz/replay.c \
    $(FUZZ_HDRS) $(HDRS) $$(FUZZ_EXTRA_$$*) $$(FUZZ_OBJS_ASAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ASAN) -Ifuzz -o $@ $< fuzz/fuzz_common.c fuzz/replay.c \
	    $(FUZZ_EXTRA_$*) $(FUZZ_OBJS_ASAN) $(LIBS)

# Each target FUZZ_SECONDS from the committed corpus (new inputs go to
# .build/fuzz/corpus, findings to .build/fuzz/findings); fails on any.
fuzz: deps-fuzz $(FUZZ_BINS)
	@mkdir -p $(BUILD)/fuzz/findings
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t; \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
		if ! nice -n 10 $(BUILD)/fuzz/fuzz_$$t \
		    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		    -timeout=10 -artifact_prefix=$(BUILD)/fuzz/findings/$$t- \
		    $(BUILD)/fuzz/corpus/$$t fuzz/corpus/$$t \
		    >$(BUILD)/fuzz/fuzz_$$t.log 2>&1; then \
			tail -n 40 $(BUILD)/fuzz/fuzz_$$t.log; \
			echo "fuzz_$$t: FINDING (input in $(BUILD)/fuzz/findings/)"; \
			exit 1; \
		fi; \
		grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units' \
		    $(BUILD)/fuzz/fuzz_$$t.log; \
	done

# Folds what make fuzz found into the committed corpus, minimized. Known
# findings are not let through here: an input that breaks a property
# crashes, and merging leaves it out.
fuzz-minimize: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		rm -rf $(BUILD)/fuzz/min; mkdir -p $(BUILD)/fuzz/min \
		    $(BUILD)/fuzz/corpus/$$t; \
		env -u FUZZ_KNOWN_FINDINGS $(BUILD)/fuzz/fuzz_$$t -merge=1 \
		    -artifact_prefix=$(BUILD)/fuzz/merge-$$t- $(BUILD)/fuzz/min fuzz/corpus/$$t $(BUILD)/fuzz/corpus/$$t \
		    >$(BUILD)/fuzz/merge_$$t.log 2>&1; \
		test -n "$$(ls $(BUILD)/fuzz/min)"; \
		echo "fuzz_$$t: $$(ls $(BUILD)/fuzz/min | wc -l) inputs"; \
		rm -rf fuzz/corpus/$$t; mv $(BUILD)/fuzz/min fuzz/corpus/$$t; \
	done

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.c $(FUZZ_HDRS) $(HDRS) \
    $$(FUZZ_EXTRA_$$*) $$(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -fsanitize=fuzzer -o $@ \
	    $< fuzz/fuzz_common.c $(FUZZ_EXTRA_$*) $(FUZZ_OBJS) $(LIBS)

.PRECIOUS: $(BUILD)/fuzz/obj/%.o
$(BUILD)/fuzz/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link \
	    -c $< -o $@

integration: $(KORE) $(KORE_ASAN) $(MODULE_ASAN) $(DOCS)
	@tests/integration/run.sh

bench: $(KORE) $(MODULE) $(DOCS) cert
	@bench/run.sh

clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-asan $(BUILD)/unit $(MODULE) $(MODULE_ASAN) \
	    $(ASSET_DIR) .objs $(BUILD)/fuzz $(BUILD)/fuzz-replay
	@# kodev's binary, named like the folder: never a directory or source.
	@if [ -f '$(APP)' ] && [ -x '$(APP)' ]; then rm -f '$(APP)'; fi

distclean: db-stop
	rm -rf $(BUILD) $(DATA)
