#include "json-text.h"

#include "errors.h"

#include <errno.h>
#include <string.h>

struct OcidJsonDoc {
	char *text;    /* a copy of the input; strings are decoded into it in place */
	GArray *nodes; /* OcidJsonNode; the root is node 0 */
};

typedef struct {
	OcidJsonDoc *doc;
	char *p;
	char *end;
	const char *start;
	guint max_depth;
	GError **error;
} Parser;

static gboolean G_GNUC_PRINTF(2, 3) fail(Parser *ps, const char *format, ...)
{
	g_autofree char *what = NULL;
	guint line = 1, column = 1;
	va_list ap;

	for (const char *q = ps->start; q < ps->p && q < ps->end; q++) {
		if (*q == '\n') {
			line++;
			column = 1;
		} else {
			column++;
		}
	}
	va_start(ap, format);
	what = g_strdup_vprintf(format, ap);
	va_end(ap);
	g_set_error(ps->error, OCID_ERROR, OCID_ERROR_INVALID_ARGUMENT, "%u:%u: %s", line, column,
		    what);
	return FALSE;
}

static void
skip_space(Parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static gboolean
read_hex4(Parser *ps, gunichar *out)
{
	gunichar value = 0;

	if (ps->end - ps->p < 4)
		return fail(ps, "a \\u escape needs four hex digits");
	for (int i = 0; i < 4; i++) {
		int d = hex_digit(ps->p[i]);
		if (d < 0)
			return fail(ps, "a \\u escape needs four hex digits");
		value = value * 16 + (gunichar)d;
	}
	ps->p += 4;
	*out = value;
	return TRUE;
}

/* At the opening quote. Decodes in place: the decoded text is never longer than the
 * escaped one, so the write position stays behind the read position, and the closing
 * quote's place takes the NUL. */
static gboolean
parse_string(Parser *ps, const char **out)
{
	char *dest = ++ps->p;
	const char *begin = dest;

	for (;;) {
		char c;

		if (ps->p >= ps->end)
			return fail(ps, "the string does not end");
		c = *ps->p;
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20)
			return fail(ps, "a control character in a string must be escaped");
		if (c != '\\') {
			*dest++ = c;
			ps->p++;
			continue;
		}
		if (++ps->p >= ps->end)
			return fail(ps, "the string does not end");
		c = *ps->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*dest++ = c;
			break;
		case 'b':
			*dest++ = '\b';
			break;
		case 'f':
			*dest++ = '\f';
			break;
		case 'n':
			*dest++ = '\n';
			break;
		case 'r':
			*dest++ = '\r';
			break;
		case 't':
			*dest++ = '\t';
			break;
		case 'u': {
			gunichar u;

			if (!read_hex4(ps, &u))
				return FALSE;
			if (u >= 0xD800 && u <= 0xDBFF) {
				gunichar low;

				if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
					return fail(ps, "a high surrogate must be followed by a "
							"low one");
				ps->p += 2;
				if (!read_hex4(ps, &low))
					return FALSE;
				if (low < 0xDC00 || low > 0xDFFF)
					return fail(ps, "a high surrogate must be followed by a "
							"low one");
				u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
			} else if (u >= 0xDC00 && u <= 0xDFFF) {
				return fail(ps, "a low surrogate without a high one");
			}
			if (u == 0)
				return fail(ps, "strings may not hold NUL");
			dest += g_unichar_to_utf8(u, dest);
			break;
		}
		default:
			return fail(ps, "unknown escape \\%c", c);
		}
	}
	*dest = '\0';
	if (!g_utf8_validate(begin, dest - begin, NULL))
		return fail(ps, "the string is not valid UTF-8");
	ps->p++; /* the closing quote */
	*out = begin;
	return TRUE;
}

static gboolean
parse_number(Parser *ps, OcidJsonNode *node)
{
	const char *begin = ps->p;
	gboolean integer = TRUE;
	char buffer[32];
	gint64 value;
	char *end = NULL;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || !g_ascii_isdigit(*ps->p))
		return fail(ps, "a number needs a digit");
	if (*ps->p == '0')
		ps->p++;
	else
		while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		integer = FALSE;
		ps->p++;
		if (ps->p >= ps->end || !g_ascii_isdigit(*ps->p))
			return fail(ps, "a fraction needs a digit");
		while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		integer = FALSE;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || !g_ascii_isdigit(*ps->p))
			return fail(ps, "an exponent needs a digit");
		while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
			ps->p++;
	}
	node->kind = OCID_JSON_NUMBER;
	/* gint64 has at most 19 digits and a sign: longer is not one. */
	if (!integer || (gsize)(ps->p - begin) >= sizeof buffer)
		return TRUE;
	memcpy(buffer, begin, (gsize)(ps->p - begin));
	buffer[ps->p - begin] = '\0';
	errno = 0;
	value = g_ascii_strtoll(buffer, &end, 10);
	if (errno == 0 && end != NULL && *end == '\0') {
		node->kind = OCID_JSON_INTEGER;
		node->integer = value;
	}
	return TRUE;
}

static gboolean
literal(Parser *ps, const char *word, OcidJsonNode *node, OcidJsonKind kind)
{
	gsize n = strlen(word);

	if ((gsize)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, "not a JSON value");
	ps->p += n;
	node->kind = kind;
	return TRUE;
}

static OcidJsonNode *
node_at(Parser *ps, guint index)
{
	return &g_array_index(ps->doc->nodes, OcidJsonNode, index);
}

static gboolean parse_value(Parser *ps, guint index, guint depth);

static gboolean
is_repeated(Parser *ps, guint object, const OcidJsonNode *member)
{
	for (guint i = node_at(ps, object)->first; i != 0; i = node_at(ps, i)->next) {
		const OcidJsonNode *other = node_at(ps, i);
		if (other->key_hash == member->key_hash && strcmp(other->key, member->key) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The names of one object's first members, their hashes side by side: a repeat is looked
 * for in a few cache lines rather than along the chain of members, which made a
 * state.json's parse quadratic in its 45 names. */
#define NAMES_AT_HAND 64

typedef struct {
	guint hash[NAMES_AT_HAND];
	const char *key[NAMES_AT_HAND];
	guint len;
} Names;

static gboolean
names_repeat(Parser *ps, guint object, Names *names, const OcidJsonNode *member)
{
	if (names->len == NAMES_AT_HAND)
		return is_repeated(ps, object, member);
	for (guint i = 0; i < names->len; i++)
		if (names->hash[i] == member->key_hash && strcmp(names->key[i], member->key) == 0)
			return TRUE;
	names->hash[names->len] = member->key_hash;
	names->key[names->len++] = member->key;
	return FALSE;
}

/* Children are appended as they come; @index's first and each child's next link them. */
static gboolean
parse_children(Parser *ps, guint index, guint depth, gboolean object)
{
	char close = object ? '}' : ']';
	guint previous = 0;
	Names names;

	names.len = 0;

	ps->p++; /* the opening bracket */
	if (depth >= ps->max_depth)
		return fail(ps, "nested deeper than %u levels", ps->max_depth);
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return TRUE;
	}
	for (;;) {
		OcidJsonNode child = { 0 };
		guint child_index = ps->doc->nodes->len;

		skip_space(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "a member name must be a string");
			if (!parse_string(ps, &child.key))
				return FALSE;
			child.key_hash = g_str_hash(child.key);
			if (names_repeat(ps, index, &names, &child))
				return fail(ps, "the name '%s' is repeated", child.key);
			skip_space(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return fail(ps, "a member name must be followed by ':'");
			ps->p++;
		}
		g_array_append_val(ps->doc->nodes, child);
		if (previous == 0)
			node_at(ps, index)->first = child_index;
		else
			node_at(ps, previous)->next = child_index;
		previous = child_index;
		if (!parse_value(ps, child_index, depth + 1))
			return FALSE;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return TRUE;
		}
		return fail(ps, "expected ',' or '%c'", close);
	}
}

/* Fills the node at @index, which is already in the array (the array may move while
 * children are added, so it is looked up again each time). */
static gboolean
parse_value(Parser *ps, guint index, guint depth)
{
	const char *string = NULL;

	skip_space(ps);
	if (ps->p >= ps->end)
		return fail(ps, "a value is missing");
	switch (*ps->p) {
	case '{':
		node_at(ps, index)->kind = OCID_JSON_OBJECT;
		return parse_children(ps, index, depth, TRUE);
	case '[':
		node_at(ps, index)->kind = OCID_JSON_ARRAY;
		return parse_children(ps, index, depth, FALSE);
	case '"':
		if (!parse_string(ps, &string))
			return FALSE;
		node_at(ps, index)->kind = OCID_JSON_STRING;
		node_at(ps, index)->string = string;
		return TRUE;
	case 't':
		return literal(ps, "true", node_at(ps, index), OCID_JSON_TRUE);
	case 'f':
		return literal(ps, "false", node_at(ps, index), OCID_JSON_FALSE);
	case 'n':
		return literal(ps, "null", node_at(ps, index), OCID_JSON_NULL);
	default:
		if (*ps->p == '-' || g_ascii_isdigit(*ps->p))
			return parse_number(ps, node_at(ps, index));
		return fail(ps, "not a JSON value");
	}
}

OcidJsonDoc *
ocid_json_doc_parse(const char *data, gsize len, guint max_depth, GError **error)
{
	g_autoptr(OcidJsonDoc) doc = g_new0(OcidJsonDoc, 1);
	OcidJsonNode root = { 0 };
	Parser ps = { 0 };

	doc->text = g_malloc(len + 1);
	memcpy(doc->text, data, len);
	doc->text[len] = '\0';
	/* A state.json has some 45 values; most texts need no second allocation. */
	doc->nodes = g_array_sized_new(FALSE, FALSE, sizeof(OcidJsonNode), 64);
	g_array_append_val(doc->nodes, root);
	ps = (Parser){ .doc = doc,
		       .p = doc->text,
		       .end = doc->text + len,
		       .start = doc->text,
		       .max_depth = max_depth,
		       .error = error };
	if (!parse_value(&ps, 0, 0))
		return NULL;
	skip_space(&ps);
	if (ps.p != ps.end) {
		fail(&ps, "text after the value");
		return NULL;
	}
	return g_steal_pointer(&doc);
}

void
ocid_json_doc_free(OcidJsonDoc *doc)
{
	if (doc == NULL)
		return;
	g_free(doc->text);
	if (doc->nodes != NULL)
		g_array_unref(doc->nodes);
	g_free(doc);
}

const OcidJsonNode *
ocid_json_doc_root(const OcidJsonDoc *doc)
{
	return &g_array_index(doc->nodes, OcidJsonNode, 0);
}

const OcidJsonNode *
ocid_json_first(const OcidJsonDoc *doc, const OcidJsonNode *parent)
{
	if (parent->first == 0)
		return NULL;
	return &g_array_index(doc->nodes, OcidJsonNode, parent->first);
}

const OcidJsonNode *
ocid_json_next(const OcidJsonDoc *doc, const OcidJsonNode *node)
{
	if (node->next == 0)
		return NULL;
	return &g_array_index(doc->nodes, OcidJsonNode, node->next);
}

const OcidJsonNode *
ocid_json_member_from(const OcidJsonDoc *doc, const OcidJsonNode *object, const char *key,
		      const OcidJsonNode **hint)
{
	const OcidJsonNode *start;
	guint hash = g_str_hash(key);

	if (object->kind != OCID_JSON_OBJECT)
		return NULL;
	start = *hint != NULL ? *hint : ocid_json_first(doc, object);
	if (start == NULL)
		return NULL;
	/* Names are unique (the parser refuses repeats): the first match is the one. */
	for (const OcidJsonNode *n = start;;) {
		if (n->key_hash == hash && strcmp(n->key, key) == 0) {
			*hint = ocid_json_next(doc, n);
			return n;
		}
		n = ocid_json_next(doc, n);
		if (n == NULL)
			n = ocid_json_first(doc, object);
		if (n == start)
			return NULL;
	}
}

const OcidJsonNode *
ocid_json_member(const OcidJsonDoc *doc, const OcidJsonNode *object, const char *key)
{
	const OcidJsonNode *hint = NULL;

	return ocid_json_member_from(doc, object, key, &hint);
}

const char *
ocid_json_kind_name(OcidJsonKind kind)
{
	switch (kind) {
	case OCID_JSON_NULL:
		return "null";
	case OCID_JSON_FALSE:
	case OCID_JSON_TRUE:
		return "a boolean";
	case OCID_JSON_INTEGER:
	case OCID_JSON_NUMBER:
		return "a number";
	case OCID_JSON_STRING:
		return "a string";
	case OCID_JSON_OBJECT:
		return "an object";
	case OCID_JSON_ARRAY:
		return "an array";
	}
	return "a value";
}

/* ---- the writer ------------------------------------------------------------------- */

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
