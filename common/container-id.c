#include "container-id.h"

#include <string.h>

bool
container_id_is_valid(const char *id)
{
	size_t len;

	if (id == NULL)
		return false;
	len = strlen(id);
	if (len == 0 || len > CONTAINER_ID_MAX || id[0] == '.' || id[0] == '-')
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       len;
}
