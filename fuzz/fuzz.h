/*
 * What every fuzz target shares: the libFuzzer entry points, a failure
 * that names the broken property, and the switch for known findings.
 *
 * A target is built twice: with clang's libFuzzer (make fuzz) and with
 * replay.c as its main under the test build's sanitizers (make test,
 * which runs every file of fuzz/corpus/<target>/ once).
 */
#ifndef __H_FUZZ_H
#define __H_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* A property does not hold: print why, then abort (a libFuzzer crash). */
void	fuzz_fail(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A property that a known, reported finding breaks (issue 18's numbered
 * list, e.g. "18.4"). It fails like fuzz_fail unless FUZZ_KNOWN_FINDINGS
 * (comma-separated ids) names the finding; then it only counts it.
 */
void	fuzz_known(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* A NUL-terminated copy of len bytes (malloc'ed; aborts on no memory). */
char	*fuzz_strndup(const uint8_t *, size_t);

/* Valid UTF-8 without NUL made from any bytes (malloc'ed). */
char	*fuzz_utf8(const uint8_t *, size_t, size_t *);

/* base64url without padding (malloc'ed, NUL-terminated). */
char	*fuzz_b64url(const void *, size_t);

/* Splits off the bytes up to the next sep (not included). */
int	fuzz_split(const uint8_t **, size_t *, uint8_t, const uint8_t **,
	    size_t *);

#endif
