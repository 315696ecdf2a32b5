/*
 * The attachments resource (SPEC "Attachments").
 */
#ifndef __H_ATTACHMENTS_H
#define __H_ATTACHMENTS_H

#include <kore/kore.h>
#include <kore/http.h>

int	page_task_attachments(struct http_request *);
int	page_attachment(struct http_request *);
void	attachments_worker_init(void);

#endif
