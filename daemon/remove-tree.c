#include "remove-tree.h"

#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

gboolean
ocid_remove_tree_at(int parent_fd, const char *name)
{
	_cleanup_close_ int fd =
	    openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	g_autoptr(DIR) dir = NULL;
	struct dirent *entry;

	if (fd < 0)
		return errno == ENOENT;
	dir = fdopendir(fd);
	if (dir == NULL)
		return FALSE;
	fd = -1; /* the DIR's now */
	while ((entry = readdir(dir)) != NULL) {
		if (g_str_equal(entry->d_name, ".") || g_str_equal(entry->d_name, ".."))
			continue;
		/* unlinkat without AT_REMOVEDIR refuses a dir with EISDIR: one more level. */
		if (unlinkat(dirfd(dir), entry->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR || !ocid_remove_tree_at(dirfd(dir), entry->d_name))
			return FALSE;
	}
	return unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}
