/* The tasks resource and its tag counts. */
#ifndef __H_TASKS_H
#define __H_TASKS_H

#include <kore/kore.h>
#include <kore/http.h>

int	page_tasks(struct http_request *);
int	page_task(struct http_request *);
int	page_task_complete(struct http_request *);
int	page_tags(struct http_request *);

#endif
