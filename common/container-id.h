/* container-id.h: what a container id may be, the one rule for daemon, monitor and bench:
 * 1-128 characters of [A-Za-z0-9_.-], not starting with '.' or '-' (an id becomes a runtime
 * argument, where "-x" would be an option, and a path component, where "." or ".." would
 * escape). */
#pragma once

#include <stdbool.h>

#define CONTAINER_ID_MAX 128

/* False for NULL. */
bool container_id_is_valid(const char *id);
