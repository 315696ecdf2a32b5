/*
 * main() for the replay build of a fuzz target: runs every file named on
 * the command line, or found in a directory named there, through
 * LLVMFuzzerTestOneInput once, under the test build's sanitizers. A
 * property that fails aborts, so the run fails; no file at all is a
 * failure too (an empty corpus would prove nothing).
 */

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static int	run_path(const char *, int);
static int	run_file(const char *);

/* The libFuzzer build does not need one; the weak default is empty. */
__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return (0);
}

int
main(int argc, char **argv)
{
	int	i, n;

	(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1, n = 0; i < argc; i++) {
		if ((n += run_path(argv[i], 1)) < 0)
			return (1);
	}
	if (n <= 0) {
		fprintf(stderr, "%s: no input files\n", argv[0]);
		return (1);
	}
	printf("%s: %d inputs replayed\n", argv[0], n);
	return (0);
}

/* Returns the number of files run, or a very negative number on error. */
static int
run_path(const char *path, int top)
{
	struct stat	st;
	struct dirent	*de;
	DIR		*dir;
	char		sub[4096];
	int		n;

	if (stat(path, &st) == -1) {
		perror(path);
		return (-100000000);
	}
	if (!S_ISDIR(st.st_mode))
		return (run_file(path));
	if (!top)
		return (0);

	if ((dir = opendir(path)) == NULL) {
		perror(path);
		return (-100000000);
	}
	n = 0;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		n += run_path(sub, 0);
	}
	closedir(dir);
	return (n);
}

static int
run_file(const char *path)
{
	FILE		*fp;
	unsigned char	*buf;
	long		len;

	if ((fp = fopen(path, "rb")) == NULL || fseek(fp, 0, SEEK_END) == -1 ||
	    (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) == -1) {
		perror(path);
		return (-100000000);
	}
	/* A copy of exactly len bytes, so ASan sees any over-read. */
	if ((buf = malloc(len > 0 ? (size_t)len : 1)) == NULL ||
	    fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		perror(path);
		return (-100000000);
	}
	fclose(fp);
	(void)LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return (1);
}
