/* The writer of json-text.h: ocid's own files as JSON text, pretty-printed as the reader
 * and json-glib both read them. */
#include "json-text.h"

void
ocid_json_writer_init(OcidJsonWriter *w, GString *out)
{
	*w = (OcidJsonWriter){ .out = out };
}

/* The separator and indentation before a member or an array element. */
static void
begin_item(OcidJsonWriter *w)
{
	guint64 bit = G_GUINT64_CONSTANT(1) << w->depth;

	if (w->after_key) {
		w->after_key = FALSE;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->nonempty & bit)
		g_string_append_c(w->out, ',');
	w->nonempty |= bit;
	g_string_append_c(w->out, '\n');
	for (guint i = 0; i < w->depth; i++)
		g_string_append(w->out, "  ");
}

static void
append_quoted(GString *out, const char *text)
{
	g_autofree char *valid = NULL;

	/* The reader refuses what is not UTF-8; D-Bus strings always are, but a path may
	 * come from elsewhere. */
	if (!g_utf8_validate(text, -1, NULL))
		text = valid = g_utf8_make_valid(text, -1);
	g_string_append_c(out, '"');
	for (const char *p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		switch (c) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		case '\r':
			g_string_append(out, "\\r");
			break;
		default:
			if (c < 0x20)
				g_string_append_printf(out, "\\u%04x", c);
			else
				g_string_append_c(out, (char)c);
		}
	}
	g_string_append_c(out, '"');
}

void
ocid_json_write_key(OcidJsonWriter *w, const char *key)
{
	begin_item(w);
	append_quoted(w->out, key);
	g_string_append(w->out, " : ");
	w->after_key = TRUE;
}

void
ocid_json_write_string(OcidJsonWriter *w, const char *value)
{
	begin_item(w);
	if (value == NULL)
		g_string_append(w->out, "null");
	else
		append_quoted(w->out, value);
}

void
ocid_json_write_int(OcidJsonWriter *w, gint64 value)
{
	begin_item(w);
	g_string_append_printf(w->out, "%" G_GINT64_FORMAT, value);
}

void
ocid_json_write_bool(OcidJsonWriter *w, gboolean value)
{
	begin_item(w);
	g_string_append(w->out, value ? "true" : "false");
}

void
ocid_json_write_begin(OcidJsonWriter *w, char open)
{
	begin_item(w);
	g_string_append_c(w->out, open);
	g_return_if_fail(w->depth < 63);
	w->depth++;
	w->nonempty &= ~(G_GUINT64_CONSTANT(1) << w->depth);
}

void
ocid_json_write_end(OcidJsonWriter *w, char close)
{
	g_return_if_fail(w->depth > 0);
	if (w->nonempty & (G_GUINT64_CONSTANT(1) << w->depth)) {
		g_string_append_c(w->out, '\n');
		for (guint i = 1; i < w->depth; i++)
			g_string_append(w->out, "  ");
	}
	w->depth--;
	g_string_append_c(w->out, close);
}
