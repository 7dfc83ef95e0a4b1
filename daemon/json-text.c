#include "json-text.h"

#include "errors.h"

#include <errno.h>
#include <string.h>

struct OcidJsonDoc {
	char *text;    /* a copy of the input; strings are decoded into it in place */
	GArray *nodes; /* OcidJsonNode; the root is node 0 */
	/* guint: each object's index of its members (node->names), one after the other: its
	 * mask, then mask + 1 slots of node indexes, 0 for an empty slot (node 0 is the root,
	 * never a member). The array begins with an unused guint, so that no index is at 0. */
	GArray *names;
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
	const char *begin = ++ps->p;
	char *dest;
	/* The bits of every byte: without the high one the text is ASCII, which is UTF-8. */
	unsigned char bits = 0;

	/* Up to the first escape the text is already where it goes: nothing to copy. */
	while (ps->p < ps->end) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '"' || c == '\\' || c < 0x20)
			break;
		bits |= c;
		ps->p++;
	}
	dest = ps->p;
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
			bits |= (unsigned char)c;
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
			bits |= u >= 0x80 ? 0x80 : 0;
			break;
		}
		default:
			return fail(ps, "unknown escape \\%c", c);
		}
	}
	*dest = '\0';
	if ((bits & 0x80) && !g_utf8_validate(begin, dest - begin, NULL))
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
	/* Up to 18 digits cannot overflow: summed here, without strtoll's copy and locale. */
	if (ps->p - begin - (*begin == '-') <= 18) {
		gint64 sum = 0;

		for (const char *q = begin + (*begin == '-'); q < ps->p; q++)
			sum = sum * 10 + (*q - '0');
		node->kind = OCID_JSON_INTEGER;
		node->integer = *begin == '-' ? -sum : sum;
		return TRUE;
	}
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

/* An object's members by name, built while it is parsed: open addressing on key_hash, at
 * most half full. A repeated name is found in a probe or two rather than along the chain of
 * members, and a lookup after the parse (ocid_json_member_from) the same way. */
#define NAMES_ON_STACK 128

typedef struct {
	guint *slots; /* node indexes, 0 for none */
	guint mask;
	guint count;
	guint stack[NAMES_ON_STACK];
} Names;

static void
names_init(Names *names)
{
	names->slots = names->stack;
	names->mask = NAMES_ON_STACK - 1;
	names->count = 0;
	memset(names->stack, 0, sizeof names->stack);
}

static void
names_clear(Names *names)
{
	if (names->slots != names->stack)
		g_free(names->slots);
}

/* The slot of the member named @key, or the empty slot where it would go. */
static guint
names_find(const GArray *nodes, const guint *slots, guint mask, guint hash, const char *key)
{
	for (guint i = hash & mask;; i = (i + 1) & mask) {
		const OcidJsonNode *other;

		if (slots[i] == 0)
			return i;
		other = &g_array_index(nodes, OcidJsonNode, slots[i]);
		if (other->key_hash == hash && strcmp(other->key, key) == 0)
			return i;
	}
}

/* Puts every member of @from into @to, a table of @mask + 1 empty slots. */
static void
names_rehash(Parser *ps, const Names *from, guint *to, guint mask)
{
	for (guint i = 0; i <= from->mask; i++) {
		const OcidJsonNode *node;

		if (from->slots[i] == 0)
			continue;
		node = node_at(ps, from->slots[i]);
		to[names_find(ps->doc->nodes, to, mask, node->key_hash, node->key)] =
		    from->slots[i];
	}
}

static void
names_grow(Parser *ps, Names *names)
{
	guint mask = names->mask * 2 + 1;
	guint *slots = g_new0(guint, mask + 1);

	names_rehash(ps, names, slots, mask);
	names_clear(names);
	names->slots = slots;
	names->mask = mask;
}

/* FALSE if @member's name is there already; it goes in as the node at @index. */
static gboolean
names_add(Parser *ps, Names *names, guint index, const OcidJsonNode *member)
{
	guint slot;

	if (2 * (names->count + 1) > names->mask + 1)
		names_grow(ps, names);
	slot = names_find(ps->doc->nodes, names->slots, names->mask, member->key_hash, member->key);
	if (names->slots[slot] != 0)
		return FALSE;
	names->slots[slot] = index;
	names->count++;
	return TRUE;
}

/* Keeps the index in the document for the object at @index, in a table of its size. */
static void
names_keep(Parser *ps, const Names *names, guint index)
{
	guint mask = 7;
	guint at = ps->doc->names->len;
	guint *table;

	while (mask + 1 < 2 * names->count)
		mask = mask * 2 + 1;
	g_array_set_size(ps->doc->names, at + 1 + mask + 1);
	table = &g_array_index(ps->doc->names, guint, at);
	table[0] = mask;
	if (mask == names->mask)
		memcpy(table + 1, names->slots, (mask + 1) * sizeof *table);
	else
		names_rehash(ps, names, table + 1, mask);
	node_at(ps, index)->names = at;
}

static gboolean
parse_members(Parser *ps, guint index, guint depth, gboolean object, Names *names)
{
	char close = object ? '}' : ']';
	guint previous = 0;

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
			if (!names_add(ps, names, child_index, &child))
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

/* Children are appended as they come; @index's first and each child's next link them. */
static gboolean
parse_children(Parser *ps, guint index, guint depth, gboolean object)
{
	g_autofree Names *names = NULL;
	gboolean ok;

	ps->p++; /* the opening bracket */
	if (depth >= ps->max_depth)
		return fail(ps, "nested deeper than %u levels", ps->max_depth);
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
		ps->p++;
		return TRUE;
	}
	if (!object)
		return parse_members(ps, index, depth, FALSE, NULL);
	/* On the heap: it is a few hundred bytes, and objects nest. */
	names = g_new(Names, 1);
	names_init(names);
	ok = parse_members(ps, index, depth, TRUE, names);
	if (ok)
		names_keep(ps, names, index);
	names_clear(names);
	return ok;
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
	/* A state.json's top object needs 129; a spot at 0 that no index takes. */
	doc->names = g_array_sized_new(FALSE, TRUE, sizeof(guint), 160);
	g_array_set_size(doc->names, 1);
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
	if (doc->names != NULL)
		g_array_unref(doc->names);
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
	const guint *names;
	guint slot;

	if (object->kind != OCID_JSON_OBJECT || object->names == 0)
		return NULL;
	names = &g_array_index(doc->names, guint, object->names);
	slot = names[1 + names_find(doc->nodes, names + 1, names[0], g_str_hash(key), key)];
	if (slot == 0)
		return NULL;
	*hint = ocid_json_next(doc, &g_array_index(doc->nodes, OcidJsonNode, slot));
	return &g_array_index(doc->nodes, OcidJsonNode, slot);
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
