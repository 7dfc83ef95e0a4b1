/* ocictl list (ps) and inspect. */
#include "ocictl-test.h"

/* list (ps): running by default, -a for all, --filter state/name/label, JSON. */
void
test_list(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "listed", LOOP);
	{
		g_auto(OcictlResult) r = ocictl_run(t, "run", "-d", "--name", "web", "--label",
						    "tier=front", bundle, NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "create", "--name", "db", "--label", "tier=back", bundle, NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "list", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "web");
		/* The NAME column, padded: the hex ids may hold "db" themselves. */
		g_assert_null(strstr(r.out, "  db  "));
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-a", "--format", "json", NULL);
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonArray *array;
		ocictl_assert_status(&r, 0);
		g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
		array = json_node_get_array(json_parser_get_root(parser));
		g_assert_cmpuint(json_array_get_length(array), ==, 2);
		g_assert_true(json_has_name(array, "web"));
		g_assert_true(json_has_name(array, "db"));
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-a", "--filter", "state=created",
						    "--format", "{{.Names}}", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "db\n");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-a", "--filter", "label=tier=front",
						    "--format", "{{.Names}} {{.State}}", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "web running\n");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "ps", "-a", "--filter", "name=d", "--format", "{{.Names}}", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "db\n");
	}
	ocictl_remove_all(t);
}

/* Issue 19: ps has an OWNER column and an owner filter (a name or a uid); root's
 * containers are owned by uid 0, "root" in the passwd database. */
void
test_list_owner(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "owned", LOOP);
	{
		g_auto(OcictlResult) r = ocictl_run(t, "run", "-d", "--name", "mine", bundle, NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "create", "--name", "idle", bundle, NULL);
		ocictl_assert_status(&r, 0);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-a", NULL);
		g_auto(GStrv) lines = NULL;
		g_autoptr(GRegex) row =
		    g_regex_new("^[0-9a-f]{12}  (mine|idle) +[a-z]+ +root +\\S", 0, 0, NULL);
		ocictl_assert_status(&r, 0);
		lines = g_strsplit(r.out, "\n", -1);
		g_assert_true(g_str_has_prefix(lines[0], "CONTAINER ID"));
		ocictl_assert_contains(lines[0], "  STATE                OWNER         CREATED");
		g_assert_cmpuint(g_strv_length(lines), ==, 4); /* two rows and the last "" */
		for (int i = 1; i <= 2; i++)
			if (!g_regex_match(row, lines[i], 0, NULL))
				g_error("ps shows the row '%s' without the owner root", lines[i]);
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-a", "--filter", "owner=root",
						    "--format", "{{.Names}} {{.Owner}}", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "idle 0\nmine 0\n");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "ps", "--filter", "owner=0", "--format", "{{.Names}}", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "mine\n");
	}
	{
		/* A uid nobody has: no container, and no error. */
		g_auto(OcictlResult) r =
		    ocictl_run(t, "ps", "-a", "-q", "--filter", "owner=4242", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "");
	}
	{
		/* Twice: either owner, checked by ocictl itself. */
		g_auto(OcictlResult) r =
		    ocictl_run(t, "ps", "-a", "--filter", "owner=4242", "--filter", "owner=root",
			       "--format", "{{.Names}}", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_cmpstr(r.out, ==, "idle\nmine\n");
	}
	{
		g_auto(OcictlResult) r =
		    ocictl_run(t, "ps", "-a", "--filter", "owner=no-such-user-here", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.err, "no-such-user-here");
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "ps", "-a", "--format", "json", NULL);
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonArray *array;
		ocictl_assert_status(&r, 0);
		g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
		array = json_node_get_array(json_parser_get_root(parser));
		g_assert_cmpuint(json_array_get_length(array), ==, 2);
		for (guint i = 0; i < 2; i++) {
			JsonObject *o = json_array_get_object_element(array, i);
			g_assert_cmpint(json_object_get_int_member(o, "Owner"), ==, 0);
			g_assert_false(json_object_get_boolean_member(o, "Confined"));
		}
	}
	{
		g_auto(OcictlResult) r = ocictl_run(t, "status", "mine", NULL);
		ocictl_assert_status(&r, 0);
		ocictl_assert_contains(r.out, "         Owner: root (uid 0)\n");
		ocictl_assert_contains(r.out, "      Confined: false\n");
	}
	ocictl_remove_all(t);
}

/* inspect holds every D-Bus property of the interface XML, under its D-Bus name. */
void
test_inspect_properties(void)
{
	OcidTest *t = ocictl_test_setup_or_skip();
	g_autofree char *bundle = NULL, *xml_path = NULL, *xml = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GRegex) property = NULL;
	g_autoptr(GMatchInfo) match = NULL;
	JsonObject *object;
	guint count = 0;

	if (t == NULL)
		return;
	bundle = ocid_test_make_bundle(t, "inspected", LOOP);
	g_free(run_detached(t, bundle, "inspected", ""));
	{
		g_auto(OcictlResult) r = ocictl_run(t, "inspect", "inspected", NULL);
		ocictl_assert_status(&r, 0);
		g_assert_true(json_parser_load_from_data(parser, r.out, -1, NULL));
	}
	object =
	    json_array_get_object_element(json_node_get_array(json_parser_get_root(parser)), 0);
	g_assert_cmpstr(json_object_get_string_member(object, "Name"), ==, "inspected");
	g_assert_cmpstr(json_object_get_string_member(object, "State"), ==, "running");
	g_assert_cmpint(json_object_get_int_member(object, "Pid"), >, 0);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_object_get_member(object, "Labels")));
	g_assert_cmpint(json_object_get_int_member(object, "Owner"), ==, 0);
	g_assert_false(json_object_get_boolean_member(object, "Confined"));
	xml_path = g_build_filename(g_getenv("OCID_SOURCE_DIR"), "dbus",
				    "org.oci.Runtime.Container.xml", NULL);
	g_assert_true(g_file_get_contents(xml_path, &xml, NULL, NULL));
	property = g_regex_new("<property name=\"([A-Za-z]+)\"", 0, 0, NULL);
	g_regex_match(property, xml, 0, &match);
	for (; g_match_info_matches(match); g_match_info_next(match, NULL), count++) {
		g_autofree char *name = g_match_info_fetch(match, 1);
		if (!json_object_has_member(object, name))
			g_error("inspect lacks the property %s", name);
	}
	g_assert_cmpuint(count, ==, json_object_get_size(object));
	{
		g_auto(OcictlResult) r = ocictl_run(t, "inspect", "inspected", "nosuch", NULL);
		ocictl_assert_status(&r, 125);
		ocictl_assert_contains(r.out, "inspected");
		ocictl_assert_contains(r.err, "'nosuch'");
	}
	ocictl_remove_all(t);
}
