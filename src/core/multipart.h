/*
 * multipart/form-data (RFC 7578 over RFC 2046), parsed as a stream: the
 * body is fed in pieces of any size, and the parser keeps only one part's
 * header block (bounded) and the length of a delimiter in progress. An
 * upload is checked in one pass that finds the single `file` part's
 * bytes (their offset and length in the body), without copying them.
 */
#ifndef __H_MULTIPART_H
#define __H_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#define MP_BOUNDARY_MAX		70
#define MP_HEADER_MAX		8192	/* one part's header block */
#define MP_PARTS_MAX		32
#define MP_FILENAME_MAX		1024	/* as sent, before sanitizing */
#define MP_TYPE_MAX		256

enum mp_status {
	MP_OK = 0,		/* so far so good (mp_feed), or done (mp_finish) */
	MP_ERR_TRUNCATED,
	MP_ERR_SYNTAX,
	MP_ERR_HEADER_TOO_LARGE,
	MP_ERR_NO_DISPOSITION,
	MP_ERR_TOO_MANY_PARTS,
	MP_ERR_TWO_FILES,
	MP_ERR_NO_FILE
};

struct mp_upload {
	/* Where the file's bytes are in the body, and how many. */
	uint64_t	data_offset;
	uint64_t	data_length;
	int		found;
	/* As sent (decoded from filename* when given); may be empty. */
	char		filename[MP_FILENAME_MAX + 1];
	int		filename_set;
	char		content_type[MP_TYPE_MAX + 1];
};

struct mp_parser {
	char		delim[4 + MP_BOUNDARY_MAX + 1];	/* "\r\n--" boundary */
	size_t		dlen;
	size_t		match;
	int		state;
	uint64_t	offset;		/* bytes fed so far */
	char		hdr[MP_HEADER_MAX];
	size_t		hlen;
	int		parts;
	int		in_file;	/* the current part is the file */
	enum mp_status	error;
	struct mp_upload	*up;
};

int		 mp_boundary(const char *, char *, size_t);
void		 mp_init(struct mp_parser *, const char *, struct mp_upload *);
enum mp_status	 mp_feed(struct mp_parser *, const uint8_t *, size_t);
enum mp_status	 mp_finish(struct mp_parser *);
const char	*mp_error_message(enum mp_status);

#endif
