/* ocid-generator: a systemd generator (systemd.generator(7)) that turns the declarative
 * containers in OCID_CONTAINERS_VENDOR_DIR and OCID_CONTAINERS_ADMIN_DIR (NAME.container,
 * ocid.container(5)) into NAME.service units in the directory systemd gives it. It never
 * fails the boot: a bad file is logged with its file, line and key, and gets no unit; the
 * others go on. Like systemd's own generators it logs to /dev/kmsg when systemd runs it
 * (the journal may not run yet, and it must not wait for anything), else to stderr. */
#include "build-config.h"
#include "container-file.h"
#include "unit-writer.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <unistd.h>

static int kmsg_fd = -1;

static void
open_log(void)
{
	const char *target = g_getenv("SYSTEMD_LOG_TARGET");

	/* systemd sets SYSTEMD_SCOPE for the generators it runs; by hand, stderr is read. */
	if (g_getenv("SYSTEMD_SCOPE") == NULL ||
	    (target != NULL && (g_str_equal(target, "console") || g_str_equal(target, "stderr"))))
		return;
	/* O_NONBLOCK: a kmsg that is a FIFO nobody reads (a container's) must not stall the
	 * boot. */
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
}

static void G_GNUC_PRINTF(2, 3) log_message(int priority, const char *format, ...)
{
	g_autofree char *text = NULL;
	va_list args;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	if (kmsg_fd >= 0) {
		g_autofree char *line = g_strdup_printf("<%d>ocid-generator[%d]: %s\n",
							LOG_DAEMON | priority, (int)getpid(), text);
		if (write(kmsg_fd, line, strlen(line)) == (ssize_t)strlen(line))
			return;
	}
	fprintf(stderr, "ocid-generator: %s\n", text);
}

/* A file in /etc that is empty or a link to /dev/null masks the vendor's file of that
 * name, as for units. */
static gboolean
is_mask(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return FALSE;
	return st.st_size == 0 ||
	       (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
}

/* NAME.container -> its path; a later directory replaces an earlier one's file. */
static void
collect(GHashTable *files, const char *dir)
{
	g_autoptr(GDir) listing = g_dir_open(dir, 0, NULL);
	const char *entry;

	if (listing == NULL)
		return;
	while ((entry = g_dir_read_name(listing)) != NULL) {
		if (entry[0] == '.' || !g_str_has_suffix(entry, ".container"))
			continue;
		g_hash_table_replace(files, g_strdup(entry), g_build_filename(dir, entry, NULL));
	}
}

/* DIR/TARGET.wants/UNIT -> ../UNIT, what 'systemctl enable' would have made. */
static gboolean
link_into(const char *dir, const char *target, const char *suffix, const char *unit)
{
	g_autofree char *wants = g_strdup_printf("%s/%s%s", dir, target, suffix);
	g_autofree char *link = g_build_filename(wants, unit, NULL);
	g_autofree char *to = g_build_filename("..", unit, NULL);

	if (g_mkdir_with_parents(wants, 0755) < 0 || (symlink(to, link) < 0 && errno != EEXIST)) {
		log_message(LOG_ERR, "cannot link %s into %s: %s", unit, wants, g_strerror(errno));
		return FALSE;
	}
	return TRUE;
}

static gboolean
generate(const char *path, const char *dir)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidContainerFile) file = ocid_container_file_load(path, &error);
	g_autofree char *text = NULL, *unit_path = NULL;
	gboolean ok = TRUE;

	if (file == NULL) {
		log_message(LOG_ERR, "%s; no unit written for it", error->message);
		return FALSE;
	}
	unit_path = g_build_filename(dir, file->unit_name, NULL);
	if (g_file_test(unit_path, G_FILE_TEST_EXISTS)) {
		log_message(LOG_ERR, "%s: %s was already written by another generator; skipped",
			    path, file->unit_name);
		return FALSE;
	}
	text = ocid_unit_render(file, OCID_BINDIR "/ocictl");
	if (!g_file_set_contents(unit_path, text, -1, &error)) {
		log_message(LOG_ERR, "%s: cannot write %s: %s", path, unit_path, error->message);
		return FALSE;
	}
	for (guint i = 0; i < file->wanted_by->len; i++)
		ok &= link_into(dir, g_ptr_array_index(file->wanted_by, i), ".wants",
				file->unit_name);
	for (guint i = 0; i < file->required_by->len; i++)
		ok &= link_into(dir, g_ptr_array_index(file->required_by, i), ".requires",
				file->unit_name);
	return ok;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	g_autoptr(GHashTable) files =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autoptr(GPtrArray) names = g_ptr_array_new();
	GHashTableIter iter;
	gpointer name, path;

	open_log();
	if (argc != 2 && argc != 4) {
		log_message(LOG_ERR,
			    "usage: %s NORMAL-DIR [EARLY-DIR LATE-DIR] (systemd runs it; "
			    "see ocid.container(5))",
			    argv[0]);
		return 1;
	}
	collect(files, OCID_CONTAINERS_VENDOR_DIR);
	collect(files, OCID_CONTAINERS_ADMIN_DIR);
	g_hash_table_iter_init(&iter, files);
	while (g_hash_table_iter_next(&iter, &name, &path))
		if (!is_mask(path))
			g_ptr_array_add(names, name);
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++)
		generate(g_hash_table_lookup(files, g_ptr_array_index(names, i)), argv[1]);
	/* A bad file was logged; failing would only add a line saying the generator failed. */
	return 0;
}
