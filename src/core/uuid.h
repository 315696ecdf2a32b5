/*
 * UUIDs as text: task and event ids, request ids.
 */
#ifndef __H_UUID_H
#define __H_UUID_H

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and its NUL. */
#define UUID_TEXT_SIZE	37

#endif
