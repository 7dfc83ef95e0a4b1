#include "bundle.h"

#include "common/fd-util.h"
#include "test-hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD         "state.json"
#define RECORD_PARTNER "state.json.tmp"
#define SPEC           "config.json"

/* Only what the daemon fixed is written: a memfd it can no longer change either. */
#define SEALS_NEEDED (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

typedef struct {
	void *map;
	size_t size;
} Files;

static void
files_unmap(Files *files)
{
	if (files->map != NULL)
		(void)munmap(files->map, files->size);
}

static int
files_map(int fd, Files *files)
{
	int seals = fcntl(fd, F_GET_SEALS);
	struct stat st;

	if (seals < 0)
		return -errno;
	if ((seals & SEALS_NEEDED) != SEALS_NEEDED)
		return -EPERM;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || (uint64_t)st.st_size > SIZE_MAX)
		return -EBADMSG;
	files->size = (size_t)st.st_size;
	files->map = mmap(NULL, files->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (files->map == MAP_FAILED) {
		files->map = NULL;
		return -errno;
	}
	return 0;
}

static int
write_new(int dir_fd, const char *name, const char *data, size_t len)
{
	_cleanup_close_ int fd =
	    openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	return len > 0 ? fd_write_all(fd, data, len) : 0;
}

static int
failed(int r, char *where, size_t size, const char *dir, const char *name)
{
	snprintf(where, size, "%s%s%s", dir, name != NULL ? "/" : "", name != NULL ? name : "");
	return r;
}

int
monitor_bundle_make(MonitorBundle *bundle, const char *dir, bool made, int files_fd, char *where,
		    size_t size)
{
	Files files = { NULL, 0 };
	const char *record, *spec, *nul;
	int r;

	*where = '\0';
	r = files_map(files_fd, &files);
	if (r < 0)
		goto out;
	record = files.map;
	nul = memchr(record, '\0', files.size);
	if (nul == NULL) {
		r = -EBADMSG;
		goto out;
	}
	spec = nul + 1;

	if (!made && mkdir(dir, 0700) < 0) {
		r = failed(-errno, where, size, dir, NULL);
		goto out;
	}
	bundle->made_dir = !made;
	monitor_test_hook_making_bundle();
	bundle->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (bundle->dir_fd < 0) {
		r = failed(-errno, where, size, dir, NULL);
		goto out;
	}
	/* The record first: from here on a restarted daemon takes the create down. */
	r = write_new(bundle->dir_fd, RECORD_PARTNER, record, (size_t)(nul - record));
	if (r == 0 && renameat(bundle->dir_fd, RECORD_PARTNER, bundle->dir_fd, RECORD) < 0)
		r = -errno;
	if (r < 0) {
		r = failed(r, where, size, dir, RECORD);
		goto out;
	}
	r = write_new(bundle->dir_fd, SPEC, spec, files.size - (size_t)(spec - record));
	if (r < 0) {
		r = failed(r, where, size, dir, SPEC);
		goto out;
	}
	r = write_new(bundle->dir_fd, RECORD_PARTNER, NULL, 0);
	if (r < 0)
		r = failed(r, where, size, dir, RECORD_PARTNER);
out:
	files_unmap(&files);
	(void)close(files_fd);
	return r;
}

void
monitor_bundle_remove(MonitorBundle *bundle, const char *dir)
{
	static const char *const names[] = { RECORD, SPEC, RECORD_PARTNER };
	struct stat made, now;

	if (bundle->dir_fd < 0)
		return;
	/* The record first, as the daemon's teardown does: without it, what is left is an
	 * interrupted create's. */
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		(void)unlinkat(bundle->dir_fd, names[i], 0);
	/* A restarted daemon may have removed it already, and a new create of the same id
	 * made another. */
	if (bundle->made_dir && fstat(bundle->dir_fd, &made) == 0 && lstat(dir, &now) == 0 &&
	    made.st_dev == now.st_dev && made.st_ino == now.st_ino)
		(void)rmdir(dir);
	closep(&bundle->dir_fd);
}
