/* The input-related cases of issue 10's "Why", each as it was reported, each with what a
 * caller sees now. */
#include "bad-calls.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#define OUTPUT_MAX (8 * 1024 * 1024)

static const char *const invalid[] = { "org.oci.Runtime.Error.InvalidArgument", NULL };

static GVariant *
no_options(void)
{
	return g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
}

static GVariant *
one_option(const char *key, GVariant *value)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&b, "{sv}", key, value);
	return g_variant_builder_end(&b);
}

static const char *
bundle_named(BadRun *run, const char *name)
{
	for (guint i = 0; i < run->bundles->len; i++) {
		const char *b = g_ptr_array_index(run->bundles, i);
		if (g_str_has_suffix(b, name))
			return b;
	}
	g_error("no bad bundle %s", name);
}

static void
create_refused(BadRun *run, const char *bundle, GVariant *options)
{
	bad_call(run, MANAGER_PATH, MANAGER, "CreateContainer",
		 g_variant_new("(sss@a{sv})", "why", "", bundle,
			       options != NULL ? options : no_options()),
		 invalid);
}

/* 40 MB of `yes` through ExecSync once made the bus drop ocid's connection. Now each
 * stream is cut to 8 MiB, the command runs to its end (its stderr line comes after the
 * output), ExecSyncEx says so, and the daemon stays on the bus. */
static void
exec_output_fits(BadRun *run)
{
	const char *argv[] = { "/bin/sh", "-c", "yes | head -c 40000000; echo ran to its end >&2",
			       NULL };
	const char *forever[] = { "/bin/yes", NULL };
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) out = NULL;
	g_autoptr(GVariant) err = NULL;
	g_autoptr(GVariant) info = NULL;
	gint32 exit_code;
	gboolean timed_out, cut = FALSE;
	gsize out_len = 0, err_len = 0;
	const char *err_text;

	reply = ocid_test_call(run->t, run->running, CONTAINER, "ExecSync",
			       g_variant_new("(^ast)", argv, (guint64)60), "(ayayib)", &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(@ay@ayib)", &out, &err, &exit_code, &timed_out);
	g_variant_get_fixed_array(out, &out_len, 1);
	err_text = g_variant_get_fixed_array(err, &err_len, 1);
	g_assert_cmpuint(out_len, ==, OUTPUT_MAX);
	g_assert_cmpint(exit_code, ==, 0);
	g_assert_false(timed_out);
	g_assert_nonnull(g_strstr_len(err_text, (gssize)err_len, "ran to its end"));
	g_clear_pointer(&reply, g_variant_unref);
	g_clear_pointer(&out, g_variant_unref);
	g_clear_pointer(&err, g_variant_unref);

	/* The same through ExecSyncEx: the cut is said. */
	reply = ocid_test_call(run->t, run->running, CONTAINER, "ExecSyncEx",
			       g_variant_new("(^ast@a{sv})", argv, (guint64)60, no_options()),
			       "(ayayiba{sv})", &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(@ay@ayib@a{sv})", &out, &err, &exit_code, &timed_out, &info);
	g_assert_true(g_variant_lookup(info, "stdout_truncated", "b", &cut));
	g_assert_true(cut);
	g_assert_true(g_variant_lookup(info, "stderr_truncated", "b", &cut));
	g_assert_false(cut);
	g_clear_pointer(&reply, g_variant_unref);
	g_clear_pointer(&out, g_variant_unref);
	g_clear_pointer(&err, g_variant_unref);
	g_clear_pointer(&info, g_variant_unref);

	/* A smaller output_max, and output that never ends: it runs to its timeout. */
	reply = ocid_test_call(run->t, run->running, CONTAINER, "ExecSyncEx",
			       g_variant_new("(^ast@a{sv})", forever, (guint64)2,
					     one_option("output_max", g_variant_new_uint64(1000))),
			       "(ayayiba{sv})", &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(@ay@ayib@a{sv})", &out, &err, &exit_code, &timed_out, &info);
	g_variant_get_fixed_array(out, &out_len, 1);
	g_assert_cmpuint(out_len, ==, 1000);
	g_assert_true(timed_out);
	g_assert_true(g_variant_lookup(info, "stdout_truncated", "b", &cut));
	g_assert_true(cut);
	g_assert_true(ocid_test_name_has_owner(run->t));
}

void
bad_why_cases(BadRun *run)
{
	g_autofree char *fifo = g_build_filename(run->t->tmpdir, "profile.fifo", NULL);
	g_autofree char *big_profile = g_build_filename(run->t->tmpdir, "big-profile.json", NULL);
	g_autofree char *dotdot = g_strdup_printf("%s/../good", run->good_bundle);
	g_autofree char *mib = g_strnfill(1024 * 1024, 'a');
	const char *huge_argv[] = { "/bin/echo", mib, NULL };
	g_autofree char *state = NULL;

	/* Crashes and hangs: a config.json nested 100,000 deep (SIGSEGV); seccomp profiles
	 * from /dev/zero (OOM) and from a FIFO (a blocked loop); a 50 MiB config.json. */
	create_refused(run, bundle_named(run, "/deep"), NULL);
	create_refused(run, run->good_bundle,
		       one_option("seccomp_profile_path", g_variant_new_string("/dev/zero")));
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	create_refused(run, run->good_bundle,
		       one_option("seccomp_profile_path", g_variant_new_string(fifo)));
	g_assert_cmpint(g_unlink(fifo), ==, 0);
	{
		gsize size = 2 * 1024 * 1024;
		g_autofree char *text = g_strnfill(size, ' ');

		text[0] = '{';
		text[size - 1] = '}';
		g_assert_true(g_file_set_contents(big_profile, text, (gssize)size, NULL));
		create_refused(
		    run, run->good_bundle,
		    one_option("seccomp_profile_path", g_variant_new_string(big_profile)));
		g_assert_cmpint(g_unlink(big_profile), ==, 0);
	}
	create_refused(run, bundle_named(run, "/huge"), NULL);
	create_refused(run, bundle_named(run, "/fifo"), NULL);
	create_refused(run, bundle_named(run, "/zero"), NULL);

	/* A deaf daemon: ExecSync output over the bus's message limit. */
	exec_output_fits(run);

	/* Overflow and sloppy parsing. */
	bad_call(run, run->running, CONTAINER, "Stop",
		 g_variant_new("(t)", G_GUINT64_CONSTANT(18446744073709552)), invalid);
	state = ocid_test_get_string(run->t, run->running, "State");
	g_assert_cmpstr(state, ==, "running");
	bad_call(run, run->running, CONTAINER, "Update",
		 g_variant_new_tuple(
		     (GVariant *[]){ one_option("cpu_quota", g_variant_new_int64(G_MAXINT64)) }, 1),
		 invalid);
	create_refused(run, bundle_named(run, "/quota"), NULL);
	bad_call(run, run->running, CONTAINER, "Kill", g_variant_new("(s)", "SIGRTMIN+"), invalid);
	create_refused(run, dotdot, NULL);
	bad_call(run, run->running, CONTAINER, "ExecSync",
		 g_variant_new("(^ast)", huge_argv, (guint64)5), invalid);
	bad_call(run, "/org/oci/Runtime/container/nonexistent", CONTAINER, "Frobnicate", NULL,
		 (const char *const[]){ "org.oci.Runtime.Error.NoSuchContainer", NULL });
	bad_call(run, "/org/oci/Runtime/container/nonexistent", "org.example.Other", "Frobnicate",
		 NULL, (const char *const[]){ "org.oci.Runtime.Error.NoSuchContainer", NULL });
	create_refused(run, bundle_named(run, "/linux-garbage"), NULL);
}
