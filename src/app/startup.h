/* Start-up checks of what was built against what is loaded. */
#ifndef __H_STARTUP_H
#define __H_STARTUP_H

#include <stddef.h>

int	startup_routes_check(const char *, char *, size_t);

#endif
