/* Unit tests for what ocid decides on its own for the journald driver and machined: the
 * CRI line a journal entry becomes (journal-log.h), the machine name of a container and
 * what a valid one is (machined.h, as systemd's hostname_is_valid()), and the create
 * options' defaults and refusals (ocid_create_request_apply_config()). */

#include "create-request.h"
#include "journal-log.h"
#include "machined.h"

#include <glib.h>
#include <string.h>

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_render(void)
{
	g_autoptr(GString) out = g_string_new(NULL);

	/* 2024-05-01T10:00:00.000123Z */
	ocid_journal_render_cri(out, 1714557600000123ULL, FALSE, FALSE, "hello", 5);
	ocid_journal_render_cri(out, 1714557600000123ULL, TRUE, TRUE, "half", 4);
	ocid_journal_render_cri(out, 1714557600000123ULL, FALSE, FALSE, "", 0);
	g_assert_cmpstr(out->str, ==,
			"2024-05-01T10:00:00.000123000Z stdout F hello\n"
			"2024-05-01T10:00:00.000123000Z stderr P half\n"
			"2024-05-01T10:00:00.000123000Z stdout F \n");
}

static void
test_names(void)
{
	const char *valid[] = { "web", "web-1", "a.b.c", "x", ID, "Web2" };
	const char *invalid[] = { "",     "under_score", "-web", "web-",   "a..b",
				  ".web", "web.",        "a.-b", "sp ace", ID "0" };

	for (gsize i = 0; i < G_N_ELEMENTS(valid); i++)
		g_assert_true(ocid_machined_name_is_valid(valid[i]));
	for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++)
		g_assert_false(ocid_machined_name_is_valid(invalid[i]));
	g_assert_cmpstr(ocid_machined_name(ID, "web"), ==, "web");
	g_assert_cmpstr(ocid_machined_name(ID, "my_web"), ==, ID);
}

static OcidCreateRequest *
request_for(const char *id, const char *name)
{
	return ocid_create_request_new(id, name, "/srv/bundle");
}

static void
test_defaults(void)
{
	g_autoptr(OcidConfig) config = ocid_config_new_default();
	g_autoptr(OcidCreateRequest) plain = request_for(ID, "web");
	g_autoptr(OcidCreateRequest) asked = request_for(ID, "web");
	g_autoptr(GError) error = NULL;

	g_assert_true(ocid_create_request_apply_config(plain, config, &error));
	g_assert_cmpint(plain->log_driver, ==, OCID_LOG_DRIVER_K8S_FILE);
	g_assert_cmpint(plain->machined, ==, 0);

	config->log_driver = OCID_LOG_DRIVER_JOURNALD;
	config->machined = TRUE;
	asked->log_driver_name = g_strdup("k8s-file");
	asked->machined = 0;
	g_assert_true(ocid_create_request_apply_config(asked, config, &error));
	g_assert_cmpint(asked->log_driver, ==, OCID_LOG_DRIVER_K8S_FILE);
	g_assert_cmpint(asked->machined, ==, 0);
}

static void
assert_refused(OcidCreateRequest *r, const char *must_mention)
{
	g_autoptr(OcidConfig) config = ocid_config_new_default();
	g_autoptr(GError) error = NULL;

	g_assert_false(ocid_create_request_apply_config(r, config, &error));
	g_assert_nonnull(error);
	if (strstr(error->message, must_mention) == NULL)
		g_error("'%s' lacks '%s'", error->message, must_mention);
}

static void
test_refusals(void)
{
	g_autoptr(OcidCreateRequest) unknown = request_for(ID, "web");
	g_autoptr(OcidCreateRequest) with_path = request_for(ID, "web");
	g_autoptr(OcidCreateRequest) bad_name = request_for("bad_id", "bad_name");
	g_autoptr(OcidCreateRequest) id_only = request_for(ID, "bad_name");
	g_autoptr(OcidConfig) config = ocid_config_new_default();
	g_autoptr(GError) error = NULL;

	unknown->log_driver_name = g_strdup("syslog");
	assert_refused(unknown, "k8s-file or journald");
	with_path->log_driver_name = g_strdup("journald");
	with_path->log_path = g_strdup("/var/log/x.log");
	assert_refused(with_path, "log_path");
	bad_name->machined = 1;
	assert_refused(bad_name, "machine name");
	/* Its id will do. */
	id_only->machined = 1;
	g_assert_true(ocid_create_request_apply_config(id_only, config, &error));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/journal-log/render", test_render);
	g_test_add_func("/machined/names", test_names);
	g_test_add_func("/create-options/defaults", test_defaults);
	g_test_add_func("/create-options/refusals", test_refusals);
	return g_test_run();
}
