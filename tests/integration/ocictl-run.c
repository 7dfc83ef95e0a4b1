/* Running ocictl as a user does: a child process on the test's bus, its exit code and
 * output collected. */
#include "ocictl-run.h"

#include <string.h>
#include <sys/wait.h>

void
ocictl_result_clear(OcictlResult *r)
{
	g_clear_pointer(&r->out, g_free);
	g_clear_pointer(&r->err, g_free);
}

char **
ocictl_environ(OcidTest *t, const char *const *extra)
{
	char **envp =
	    g_environ_setenv(g_get_environ(), "DBUS_SYSTEM_BUS_ADDRESS", t->bus_address, TRUE);

	for (const char *const *e = extra; e != NULL && *e != NULL; e++) {
		g_auto(GStrv) kv = g_strsplit(*e, "=", 2);
		envp = g_environ_setenv(envp, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
	}
	return envp;
}

OcictlResult
ocictl_runv(OcidTest *t, const char *const *argv, const char *const *env, const char *input)
{
	g_autoptr(GPtrArray) full = g_ptr_array_new();
	g_auto(GStrv) envp = ocictl_environ(t, env);
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GError) error = NULL;
	OcictlResult r = { 0 };

	g_ptr_array_add(full, (gpointer)g_getenv("OCID_CTL"));
	for (const char *const *a = argv; *a != NULL; a++)
		g_ptr_array_add(full, (gpointer)*a);
	g_ptr_array_add(full, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE |
					     (input != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0));
	g_subprocess_launcher_set_environ(launcher, envp);
	child = g_subprocess_launcher_spawnv(launcher, (const char *const *)full->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(child, input, NULL, &r.out, &r.err, &error);
	g_assert_no_error(error);
	if (g_subprocess_get_if_exited(child))
		r.status = g_subprocess_get_exit_status(child);
	else
		r.status = 128 + g_subprocess_get_term_sig(child);
	return r;
}

static GPtrArray *
collect_args(const char *first, va_list ap)
{
	GPtrArray *argv = g_ptr_array_new();

	for (const char *a = first; a != NULL; a = va_arg(ap, const char *))
		g_ptr_array_add(argv, (gpointer)a);
	g_ptr_array_add(argv, NULL);
	return argv;
}

OcictlResult
ocictl_run(OcidTest *t, const char *first, ...)
{
	g_autoptr(GPtrArray) argv = NULL;
	va_list ap;

	va_start(ap, first);
	argv = collect_args(first, ap);
	va_end(ap);
	return ocictl_runv(t, (const char *const *)argv->pdata, NULL, NULL);
}

void
ocictl_run_ok(OcidTest *t, const char *first, ...)
{
	g_autoptr(GPtrArray) argv = NULL;
	g_auto(OcictlResult) r = { 0 };
	va_list ap;

	va_start(ap, first);
	argv = collect_args(first, ap);
	va_end(ap);
	r = ocictl_runv(t, (const char *const *)argv->pdata, NULL, NULL);
	ocictl_assert_status(&r, 0);
}

OcidTest *
ocictl_test_setup_or_skip(void)
{
	OcidTest *t;

	if (g_getenv("OCID_CTL") == NULL) {
		g_test_skip("needs OCID_CTL (meson test)");
		return NULL;
	}
	t = ocid_test_get();
	if (t == NULL)
		g_test_skip("needs root for runc");
	return t;
}

void
ocictl_remove_all(OcidTest *t)
{
	g_auto(OcictlResult) ids = ocictl_run(t, "ps", "-a", "-q", "--no-trunc", NULL);
	g_auto(GStrv) lines = g_strsplit(g_strstrip(ids.out), "\n", -1);

	for (char **l = lines; *l != NULL; l++)
		if ((*l)[0] != '\0')
			ocictl_run_ok(t, "rm", "-f", *l, NULL);
}

void
ocictl_assert_status(const OcictlResult *r, int status)
{
	if (r->status != status)
		g_error("ocictl exited %d, not %d\nstdout: %s\nstderr: %s", r->status, status,
			r->out, r->err);
}

void
ocictl_assert_contains(const char *haystack, const char *needle)
{
	if (haystack == NULL || strstr(haystack, needle) == NULL)
		g_error("'%s' lacks '%s'", haystack != NULL ? haystack : "(null)", needle);
}
