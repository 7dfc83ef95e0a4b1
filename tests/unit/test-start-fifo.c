/* Which start ocid takes: the fifo for the runtimes whose protocol it knows, and only for
 * specs that need nothing of the runtime's own start. */
#include "start-fifo.h"

static JsonNode *
parse(const char *json)
{
	g_autoptr(JsonParser) parser = json_parser_new();

	g_assert_true(json_parser_load_from_data(parser, json, -1, NULL));
	return json_node_copy(json_parser_get_root(parser));
}

static void
test_protocol_for_version(void)
{
	g_assert_cmpint(ocid_start_protocol_for_version("runc version 1.1.5+ds1"), ==,
			OCID_START_FIFO_READ);
	g_assert_cmpint(ocid_start_protocol_for_version("crun version 1.8.1"), ==,
			OCID_START_FIFO_WRITE);
	g_assert_cmpint(ocid_start_protocol_for_version("youki version 0.3.0"), ==,
			OCID_START_BY_RUNTIME);
	g_assert_cmpint(ocid_start_protocol_for_version("runc"), ==, OCID_START_BY_RUNTIME);
	g_assert_cmpint(ocid_start_protocol_for_version(NULL), ==, OCID_START_BY_RUNTIME);
}

static void
test_spec_allows_fifo(void)
{
	static const struct {
		const char *spec;
		gboolean fifo;
	} cases[] = {
		{ "{\"process\": {}}", TRUE },
		{ "{\"hooks\": null}", TRUE },
		{ "{\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\"}]}}", TRUE },
		{ "{\"hooks\": {\"poststart\": []}}", TRUE },
		{ "{\"hooks\": {\"poststart\": [{\"path\": \"/bin/true\"}]}}", FALSE },
		{ "{\"hooks\": {\"poststart\": {}}}", FALSE },
		{ "{\"hooks\": 3}", FALSE },
		{ "[]", FALSE },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(JsonNode) spec = parse(cases[i].spec);
		g_assert_cmpint(ocid_start_spec_allows_fifo(spec), ==, cases[i].fifo);
	}
	g_assert_false(ocid_start_spec_allows_fifo(NULL));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/start-fifo/protocol-for-version", test_protocol_for_version);
	g_test_add_func("/start-fifo/spec-allows-fifo", test_spec_allows_fifo);
	return g_test_run();
}
