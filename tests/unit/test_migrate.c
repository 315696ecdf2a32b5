/*
 * Unit tests for src/core/migrate.c (cmocka): migration file names, checksums
 * and loading a directory. migrate_apply needs a database and is covered
 * by the integration tests.
 *
 * Each test that loads gets a fresh directory from mkdtemp (setup) that
 * is removed with everything in it afterwards (teardown).
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/digest_cache.h"
#include "core/hash.h"
#include "core/migrate.h"

#define SHA256_ABC	"ba7816bf8f01cfea414140de5dae2223" \
			"b00361a396177a9cb410ff61f20015ad"
#define SHA256_EMPTY	"e3b0c44298fc1c149afbf4c8996fb924" \
			"27ae41e4649b934ca495991b7852b855"

struct tmpdir {
	char	path[PATH_MAX];
};

static int	dir_setup(void **);
static int	dir_teardown(void **);
static void	write_file(const struct tmpdir *, const char *, const char *);
static struct migration_set	*set_new(void);

static int
dir_setup(void **state)
{
	struct tmpdir	*d;
	const char	*tmp;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return (-1);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(d->path, sizeof(d->path), "%s/test_migrate.XXXXXX", tmp);
	if (mkdtemp(d->path) == NULL) {
		free(d);
		return (-1);
	}

	*state = d;
	return (0);
}

static int
dir_teardown(void **state)
{
	struct tmpdir	*d = *state;
	struct dirent	*dp;
	DIR		*dir;
	char		path[PATH_MAX * 2];

	if ((dir = opendir(d->path)) != NULL) {
		while ((dp = readdir(dir)) != NULL) {
			if (!strcmp(dp->d_name, ".") ||
			    !strcmp(dp->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", d->path,
			    dp->d_name);
			unlink(path);
		}
		closedir(dir);
	}
	rmdir(d->path);
	free(d);

	return (0);
}

static void
write_file(const struct tmpdir *d, const char *name, const char *text)
{
	FILE		*fp;
	char		path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/* struct migration_set is large (256 entries): never on the stack. */
static struct migration_set *
set_new(void)
{
	struct migration_set	*set;

	set = calloc(1, sizeof(*set));
	assert_non_null(set);

	return (set);
}

static void
test_parse_name_accepts_numbered_sql(void **state)
{
	int		v;

	(void)state;

	v = -1;
	assert_true(migrate_parse_name("0001_init.sql", &v));
	assert_int_equal(v, 1);

	v = -1;
	assert_true(migrate_parse_name("10_c.sql", &v));
	assert_int_equal(v, 10);

	v = -1;
	assert_true(migrate_parse_name("0042_add_users_2.sql", &v));
	assert_int_equal(v, 42);

	v = -1;
	assert_true(migrate_parse_name("999999_last.sql", &v));
	assert_int_equal(v, 999999);
}

static void
test_parse_name_rejects_version_zero(void **state)
{
	int		v;

	(void)state;

	v = -7;
	assert_false(migrate_parse_name("0000_zero.sql", &v));
	assert_false(migrate_parse_name("0_zero.sql", &v));
	/* A rejected name leaves the version alone. */
	assert_int_equal(v, -7);
}

static void
test_parse_name_rejects_missing_number_or_underscore(void **state)
{
	int		v;

	(void)state;

	v = -7;
	assert_false(migrate_parse_name("init.sql", &v));
	assert_false(migrate_parse_name("_init.sql", &v));
	assert_false(migrate_parse_name("0001init.sql", &v));
	assert_false(migrate_parse_name("0001-init.sql", &v));
	assert_false(migrate_parse_name("1-bad.sql", &v));
	assert_false(migrate_parse_name("v1_init.sql", &v));
	assert_int_equal(v, -7);
}

static void
test_parse_name_rejects_bad_description_characters(void **state)
{
	int		v;

	(void)state;

	v = -7;
	assert_false(migrate_parse_name("0001_Init.sql", &v));
	assert_false(migrate_parse_name("0001_add-users.sql", &v));
	assert_false(migrate_parse_name("0001_add users.sql", &v));
	assert_false(migrate_parse_name("0001_a.b.sql", &v));
	assert_false(migrate_parse_name("0001_caf\xc3\xa9.sql", &v));
	assert_int_equal(v, -7);
}

static void
test_parse_name_rejects_other_extensions(void **state)
{
	int		v;

	(void)state;

	v = -7;
	assert_false(migrate_parse_name("0001_init.SQL", &v));
	assert_false(migrate_parse_name("0001_init.txt", &v));
	assert_false(migrate_parse_name("0001_init.sql.bak", &v));
	assert_false(migrate_parse_name("0001_init", &v));
	assert_false(migrate_parse_name("README.md", &v));
	assert_false(migrate_parse_name(".sql", &v));
	assert_false(migrate_parse_name("", &v));
	assert_int_equal(v, -7);
}

static void
test_parse_name_rejects_huge_version_and_long_name(void **state)
{
	char		name[MIGRATE_NAME_MAX + 8];
	int		v;

	(void)state;

	v = -7;
	assert_false(migrate_parse_name("1000000_big.sql", &v));
	assert_false(migrate_parse_name("99999999999999999999_x.sql", &v));

	/* MIGRATE_NAME_MAX characters do not fit with the terminator. */
	memset(name, 'a', sizeof(name));
	memcpy(name, "0001_", 5);
	memcpy(name + MIGRATE_NAME_MAX - 4, ".sql", 5);
	assert_int_equal(strlen(name), MIGRATE_NAME_MAX);
	assert_false(migrate_parse_name(name, &v));
	assert_int_equal(v, -7);

	/* One shorter fits. */
	memcpy(name + MIGRATE_NAME_MAX - 5, ".sql", 5);
	assert_true(migrate_parse_name(name, &v));
	assert_int_equal(v, 1);
}

static void
test_checksum_sha256_known_vectors(void **state)
{
	char		out[65];

	(void)state;

	memset(out, 'x', sizeof(out));
	sha256_hex("abc", 3, out);
	assert_string_equal(out, SHA256_ABC);

	memset(out, 'x', sizeof(out));
	sha256_hex("", 0, out);
	assert_string_equal(out, SHA256_EMPTY);
}

static void
test_checksum_uses_only_len_bytes(void **state)
{
	char		out[65];

	(void)state;

	sha256_hex("abcdef", 3, out);
	assert_string_equal(out, SHA256_ABC);
}

static void
test_load_orders_by_version_and_ignores_others(void **state)
{
	struct tmpdir		*d = *state;
	struct migration_set	*set;
	char			err[512];
	char			sum[65];

	write_file(d, "0002_b.sql", "CREATE TABLE b (id int);\n");
	write_file(d, "0001_a.sql", "CREATE TABLE a (id int);\n");
	write_file(d, "10_c.sql", "abc");
	write_file(d, "README.md", "# not a migration\n");
	write_file(d, ".0003_hidden.sql", "SELECT 1;\n");

	set = set_new();
	err[0] = '\0';
	assert_int_equal(migrate_load(d->path, set, err, sizeof(err)), 1);
	assert_string_equal(err, "");
	assert_int_equal(set->count, 3);

	assert_int_equal(set->items[0].version, 1);
	assert_string_equal(set->items[0].name, "0001_a.sql");
	assert_string_equal(set->items[0].sql, "CREATE TABLE a (id int);\n");

	assert_int_equal(set->items[1].version, 2);
	assert_string_equal(set->items[1].name, "0002_b.sql");
	assert_string_equal(set->items[1].sql, "CREATE TABLE b (id int);\n");

	assert_int_equal(set->items[2].version, 10);
	assert_string_equal(set->items[2].name, "10_c.sql");
	assert_string_equal(set->items[2].sql, "abc");
	assert_string_equal(set->items[2].checksum, SHA256_ABC);

	/* Every checksum is the sha256 of the file's text. */
	sha256_hex(set->items[0].sql, strlen(set->items[0].sql), sum);
	assert_string_equal(set->items[0].checksum, sum);
	assert_int_equal(strlen(set->items[1].checksum), 64);
	assert_string_not_equal(set->items[0].checksum,
	    set->items[1].checksum);

	migrate_set_free(set);
	assert_int_equal(set->count, 0);
	free(set);
}

static void
test_load_empty_directory_is_no_migrations(void **state)
{
	struct tmpdir		*d = *state;
	struct migration_set	*set;
	char			err[512];

	write_file(d, "README.md", "nothing here\n");

	set = set_new();
	assert_int_equal(migrate_load(d->path, set, err, sizeof(err)), 1);
	assert_int_equal(set->count, 0);

	migrate_set_free(set);
	free(set);
}

static void
test_load_bad_sql_name_is_error_naming_file(void **state)
{
	struct tmpdir		*d = *state;
	struct migration_set	*set;
	char			err[512];

	write_file(d, "0001_a.sql", "SELECT 1;\n");
	write_file(d, "1-bad.sql", "SELECT 2;\n");

	set = set_new();
	err[0] = '\0';
	assert_int_equal(migrate_load(d->path, set, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "1-bad.sql"));
	/* Whatever was read before is freed (LeakSanitizer checks). */
	assert_int_equal(set->count, 0);

	migrate_set_free(set);
	free(set);
}

static void
test_load_duplicate_version_is_error(void **state)
{
	struct tmpdir		*d = *state;
	struct migration_set	*set;
	char			err[512];

	write_file(d, "0001_a.sql", "SELECT 1;\n");
	write_file(d, "1_b.sql", "SELECT 2;\n");
	write_file(d, "0002_c.sql", "SELECT 3;\n");

	set = set_new();
	err[0] = '\0';
	assert_int_equal(migrate_load(d->path, set, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "0001_a.sql"));
	assert_non_null(strstr(err, "1_b.sql"));
	assert_non_null(strstr(err, "version 1"));
	assert_int_equal(set->count, 0);

	migrate_set_free(set);
	free(set);
}

static void
test_load_missing_directory_is_error(void **state)
{
	struct tmpdir		*d = *state;
	struct migration_set	*set;
	char			err[512], missing[PATH_MAX + 16];

	snprintf(missing, sizeof(missing), "%s/nope", d->path);

	set = set_new();
	err[0] = '\0';
	assert_int_equal(migrate_load(missing, set, err, sizeof(err)), 0);
	assert_memory_equal(err, "MIGRATIONS_DIR:", strlen("MIGRATIONS_DIR:"));
	assert_non_null(strstr(err, missing));
	assert_int_equal(set->count, 0);

	migrate_set_free(set);
	free(set);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_parse_name_accepts_numbered_sql),
		cmocka_unit_test(test_parse_name_rejects_version_zero),
		cmocka_unit_test(
		    test_parse_name_rejects_missing_number_or_underscore),
		cmocka_unit_test(
		    test_parse_name_rejects_bad_description_characters),
		cmocka_unit_test(test_parse_name_rejects_other_extensions),
		cmocka_unit_test(
		    test_parse_name_rejects_huge_version_and_long_name),
		cmocka_unit_test(test_checksum_sha256_known_vectors),
		cmocka_unit_test(test_checksum_uses_only_len_bytes),
		cmocka_unit_test_setup_teardown(
		    test_load_orders_by_version_and_ignores_others,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_load_empty_directory_is_no_migrations,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_load_bad_sql_name_is_error_naming_file,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_load_duplicate_version_is_error,
		    dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(
		    test_load_missing_directory_is_error,
		    dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
