/* The JSON reader and writer of ocid's own files (daemon/json-text.c): what RFC 8259
 * accepts is read as json-glib reads it, everything else is refused with its place, and
 * what the writer writes json-glib reads back unchanged. */
#include "errors.h"
#include "json-text.h"

#include <json-glib/json-glib.h>
#include <string.h>

static OcidJsonDoc *
parse(const char *text, GError **error)
{
	return ocid_json_doc_parse(text, strlen(text), 8, error);
}

static void
test_values(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidJsonDoc) doc =
	    parse(" {\"s\": \"a\\\"b\\\\c\\/\\n\\t\\u00e9\\ud83d\\ude00\", \"i\": -42, "
		  "\"big\": 9223372036854775807, \"over\": 9223372036854775808, "
		  "\"f\": 1.5e3, \"t\": true, \"n\": null, \"a\": [1, [], {}], "
		  "\"o\": {\"k\": \"v\"}}\r\n",
		  &error);
	const OcidJsonNode *root, *n, *a;

	g_assert_no_error(error);
	root = ocid_json_doc_root(doc);
	g_assert_cmpint(root->kind, ==, OCID_JSON_OBJECT);
	n = ocid_json_member(doc, root, "s");
	g_assert_cmpint(n->kind, ==, OCID_JSON_STRING);
	g_assert_cmpstr(n->string, ==, "a\"b\\c/\n\t\xc3\xa9\xf0\x9f\x98\x80");
	n = ocid_json_member(doc, root, "i");
	g_assert_cmpint(n->kind, ==, OCID_JSON_INTEGER);
	g_assert_cmpint(n->integer, ==, -42);
	g_assert_cmpint(ocid_json_member(doc, root, "big")->integer, ==, G_MAXINT64);
	g_assert_cmpint(ocid_json_member(doc, root, "over")->kind, ==, OCID_JSON_NUMBER);
	g_assert_cmpint(ocid_json_member(doc, root, "f")->kind, ==, OCID_JSON_NUMBER);
	g_assert_cmpint(ocid_json_member(doc, root, "t")->kind, ==, OCID_JSON_TRUE);
	g_assert_cmpint(ocid_json_member(doc, root, "n")->kind, ==, OCID_JSON_NULL);
	g_assert_null(ocid_json_member(doc, root, "absent"));
	a = ocid_json_member(doc, root, "a");
	n = ocid_json_first(doc, a);
	g_assert_cmpint(n->integer, ==, 1);
	n = ocid_json_next(doc, n);
	g_assert_cmpint(n->kind, ==, OCID_JSON_ARRAY);
	g_assert_null(ocid_json_first(doc, n));
	n = ocid_json_next(doc, n);
	g_assert_cmpint(n->kind, ==, OCID_JSON_OBJECT);
	g_assert_null(ocid_json_next(doc, n));
	n = ocid_json_member(doc, ocid_json_member(doc, root, "o"), "k");
	g_assert_cmpstr(n->string, ==, "v");
	/* From a hint: after the find, before it (wrapping), and absent. */
	{
		const OcidJsonNode *hint = NULL;
		g_assert_cmpint(ocid_json_member_from(doc, root, "t", &hint)->kind, ==,
				OCID_JSON_TRUE);
		g_assert_true(hint == ocid_json_member(doc, root, "n"));
		g_assert_cmpint(ocid_json_member_from(doc, root, "i", &hint)->integer, ==, -42);
		g_assert_true(hint == ocid_json_member(doc, root, "big"));
		g_assert_null(ocid_json_member_from(doc, root, "absent", &hint));
		g_assert_true(hint == ocid_json_member(doc, root, "big"));
		g_assert_cmpstr(ocid_json_member_from(doc, root, "o", &hint)->key, ==, "o");
		g_assert_null(hint);
		g_assert_cmpstr(ocid_json_member_from(doc, root, "s", &hint)->key, ==, "s");
	}
}

static void
test_refusals(void)
{
	const struct {
		const char *text;
		const char *message;
	} bad[] = {
		{ "", "1:1: a value is missing" },
		{ "{", "1:2: a member name must be a string" },
		{ "{\"a\" 1}", "1:6: a member name must be followed by ':'" },
		{ "[1 2]", "1:4: expected ',' or ']'" },
		{ "[1,]", "1:4: not a JSON value" },
		{ "{} {}", "1:4: text after the value" },
		{ "\"a", "the string does not end" },
		{ "\"a\nb\"", "a control character in a string must be escaped" },
		{ "\"\\x\"", "unknown escape \\x" },
		{ "\"\\u12\"", "a \\u escape needs four hex digits" },
		{ "\"\\u0000\"", "strings may not hold NUL" },
		{ "\"\\ud800\"", "a high surrogate must be followed by a low one" },
		{ "\"\\udc00\"", "a low surrogate without a high one" },
		{ "\"\xff\"", "the string is not valid UTF-8" },
		{ "01", "1:2: text after the value" },
		{ "-", "a number needs a digit" },
		{ "1.", "a fraction needs a digit" },
		{ "1e", "an exponent needs a digit" },
		{ "tru", "not a JSON value" },
		{ "[[[[[[[[[1]]]]]]]]]", "nested deeper than 8 levels" },
		{ "{\n  \"a\" : nul\n}", "2:9: not a JSON value" },
		{ "{\"a\": 1, \"b\": {\"a\": 2}, \"a\": 3}", "1:28: the name 'a' is repeated" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(OcidJsonDoc) doc = parse(bad[i].text, &error);

		g_assert_null(doc);
		g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
		if (strstr(error->message, bad[i].message) == NULL)
			g_error("'%s': '%s' does not say '%s'", bad[i].text, error->message,
				bad[i].message);
	}
	/* Past the first 64 members a repeat is found all the same, of an early or a late
	 * name; a new name is not one. */
	for (guint i = 0; i < 3; i++) {
		const char *last[] = { "m3", "m80", "m100" };
		g_autoptr(GString) text = g_string_new("{");
		g_autoptr(GError) error = NULL;
		g_autoptr(OcidJsonDoc) doc = NULL;
		g_autofree char *message = g_strdup_printf("the name '%s' is repeated", last[i]);

		for (guint m = 0; m < 100; m++)
			g_string_append_printf(text, "\"m%u\": %u, ", m, m);
		g_string_append_printf(text, "\"%s\": 0}", last[i]);
		doc = parse(text->str, &error);
		if (i == 2) {
			g_assert_no_error(error);
			g_assert_nonnull(doc);
		} else {
			g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
			g_assert_nonnull(strstr(error->message, message));
		}
	}
	/* A NUL byte ends nothing: the length given is the text. */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(OcidJsonDoc) doc = ocid_json_doc_parse("1\0", 2, 8, &error);
		g_assert_null(doc);
	}
}

/* Members are found by name in objects of every size (the index grows past 64 names and
 * is kept at its own size), nested ones too; integers of every length read as json-glib
 * reads them; text before and after an escape, ASCII or not, comes out whole. */
static void
test_lookups_and_numbers(void)
{
	g_autoptr(GString) text = g_string_new("{");
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidJsonDoc) doc = NULL;
	const OcidJsonNode *root, *inner;
	const char *numbers[] = { "0",
				  "-0",
				  "7",
				  "-123456789012345678",
				  "999999999999999999",
				  "1000000000000000000",
				  "-9223372036854775808",
				  "9223372036854775807" };

	for (guint m = 0; m < 300; m++)
		g_string_append_printf(text, "\"member-%u\": %u, ", m, m);
	g_string_append(text, "\"inner\": {\"a\": 1, \"b\": \"x\\ny\\u00e9z\xc3\xa9\"}, ");
	for (gsize i = 0; i < G_N_ELEMENTS(numbers); i++)
		g_string_append_printf(text, "\"n%zu\": %s, ", i, numbers[i]);
	g_string_append(text, "\"last\": \"ab\\\"cd\"}");
	doc = ocid_json_doc_parse(text->str, text->len, 8, &error);
	g_assert_no_error(error);
	root = ocid_json_doc_root(doc);
	for (guint m = 0; m < 300; m++) {
		g_autofree char *key = g_strdup_printf("member-%u", m);
		const OcidJsonNode *n = ocid_json_member(doc, root, key);

		g_assert_nonnull(n);
		g_assert_cmpstr(n->key, ==, key);
		g_assert_cmpint(n->integer, ==, m);
	}
	g_assert_null(ocid_json_member(doc, root, "member-300"));
	g_assert_null(ocid_json_member(doc, root, "a"));
	inner = ocid_json_member(doc, root, "inner");
	g_assert_cmpint(ocid_json_member(doc, inner, "a")->integer, ==, 1);
	g_assert_cmpstr(ocid_json_member(doc, inner, "b")->string, ==, "x\ny\xc3\xa9z\xc3\xa9");
	g_assert_null(ocid_json_member(doc, inner, "member-1"));
	g_assert_cmpstr(ocid_json_member(doc, root, "last")->string, ==, "ab\"cd");
	for (gsize i = 0; i < G_N_ELEMENTS(numbers); i++) {
		g_autofree char *key = g_strdup_printf("n%zu", i);
		const OcidJsonNode *n = ocid_json_member(doc, root, key);

		g_assert_cmpint(n->kind, ==, OCID_JSON_INTEGER);
		g_assert_cmpint(n->integer, ==, g_ascii_strtoll(numbers[i], NULL, 10));
	}
	/* Text that is not UTF-8 after an escape is refused as before one. */
	g_clear_pointer(&doc, ocid_json_doc_free);
	doc = parse("[\"ok\\n\xff\"]", &error);
	g_assert_null(doc);
	g_assert_error(error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, "not valid UTF-8"));
}

static void
test_writer(void)
{
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidJsonDoc) doc = NULL;
	const char *awkward = "q\"b\\s\n\t\r\x01\x1f\xc3\xa9/";
	OcidJsonWriter w;
	JsonObject *o;

	ocid_json_writer_init(&w, out);
	ocid_json_write_begin(&w, '{');
	ocid_json_write_key(&w, "s");
	ocid_json_write_string(&w, awkward);
	ocid_json_write_key(&w, "null");
	ocid_json_write_string(&w, NULL);
	ocid_json_write_key(&w, "min");
	ocid_json_write_int(&w, G_MININT64);
	ocid_json_write_key(&w, "b");
	ocid_json_write_bool(&w, TRUE);
	ocid_json_write_key(&w, "empty");
	ocid_json_write_begin(&w, '{');
	ocid_json_write_end(&w, '}');
	ocid_json_write_key(&w, "list");
	ocid_json_write_begin(&w, '[');
	ocid_json_write_int(&w, 1);
	ocid_json_write_begin(&w, '{');
	ocid_json_write_key(&w, "k\"");
	ocid_json_write_string(&w, "v");
	ocid_json_write_end(&w, '}');
	ocid_json_write_end(&w, ']');
	ocid_json_write_key(&w, "bad utf-8");
	ocid_json_write_string(&w, "a\xffz");
	ocid_json_write_end(&w, '}');

	g_assert_cmpstr(
	    out->str, ==,
	    "{\n  \"s\" : \"q\\\"b\\\\s\\n\\t\\r\\u0001\\u001f\xc3\xa9/\",\n"
	    "  \"null\" : null,\n  \"min\" : -9223372036854775808,\n"
	    "  \"b\" : true,\n  \"empty\" : {},\n  \"list\" : [\n    1,\n    {\n"
	    "      \"k\\\"\" : \"v\"\n    }\n  ],\n  \"bad utf-8\" : \"a\xef\xbf\xbdz\"\n}");

	/* json-glib, which read every state.json before, reads it the same. */
	g_assert_true(json_parser_load_from_data(parser, out->str, -1, &error));
	g_assert_no_error(error);
	o = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(o, "s"), ==, awkward);
	g_assert_true(json_object_get_null_member(o, "null"));
	g_assert_cmpint(json_object_get_int_member(o, "min"), ==, G_MININT64);

	doc = ocid_json_doc_parse(out->str, out->len, 8, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(ocid_json_member(doc, ocid_json_doc_root(doc), "s")->string, ==, awkward);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/json-text/values", test_values);
	g_test_add_func("/json-text/lookups-and-numbers", test_lookups_and_numbers);
	g_test_add_func("/json-text/refusals", test_refusals);
	g_test_add_func("/json-text/writer", test_writer);
	return g_test_run();
}
