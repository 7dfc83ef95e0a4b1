#include "faults-common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
faults_ctl_dir(OcidTest *t, const char *id)
{
	char *dir = g_build_filename(t->tmpdir, "ctl", id, NULL);
	g_autofree char *fifo = g_build_filename(dir, "go", NULL);
	g_autofree char *name = g_build_filename(dir, "name", NULL);
	g_autofree char *text = g_strdup_printf("%s\n", id);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(mkfifo(fifo, 0600) == 0 || errno == EEXIST);
	g_assert_true(g_file_set_contents(name, text, -1, NULL));
	return dir;
}

GVariant *
faults_ctl_options(const char *ctl_dir)
{
	GVariantBuilder opts, vols;

	g_variant_builder_init(&vols, G_VARIANT_TYPE("a(ssb)"));
	g_variant_builder_add(&vols, "(ssb)", "/ctl", ctl_dir, FALSE);
	g_variant_builder_init(&opts, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&opts, "{sv}", "volumes", g_variant_builder_end(&vols));
	return g_variant_builder_end(&opts);
}

void
faults_tell_exit(const char *ctl_dir, int code)
{
	g_autofree char *fifo = g_build_filename(ctl_dir, "go", NULL);
	g_autofree char *text = g_strdup_printf("%d\n", code);
	int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	/* ENXIO would mean no reader: the container has not logged "up" yet, or is gone. */
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, text, strlen(text)), ==, (gssize)strlen(text));
	close(fd);
}

int
faults_monitor_pid(OcidTest *t, const char *path)
{
	g_autofree char *dir = ocid_test_get_string(t, path, "Dir");
	g_autofree char *state_file = g_build_filename(dir, "state.json", NULL);
	g_autofree char *state = ocid_test_read_file(state_file);
	const char *key = "\"monitor_pid\" : ";
	const char *p;

	g_assert_nonnull(state);
	p = strstr(state, key);
	g_assert_nonnull(p);
	return atoi(p + strlen(key));
}
