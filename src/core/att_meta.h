/*
 * What an attachment's metadata may be (SPEC "Attachments"): a client's
 * filename made safe to store and to send back, its media type checked,
 * and the Content-Disposition of a download.
 */
#ifndef __H_ATT_META_H
#define __H_ATT_META_H

#include <stddef.h>

#define ATT_FILENAME_MAX	255
#define ATT_TYPE_MAX		255
#define ATT_DISPOSITION_MAX	(64 + ATT_FILENAME_MAX * 4)

void	att_filename(const char *, char [ATT_FILENAME_MAX + 1]);
void	att_media_type(const char *, char [ATT_TYPE_MAX + 1]);
void	att_disposition(const char *, char [ATT_DISPOSITION_MAX]);

#endif
