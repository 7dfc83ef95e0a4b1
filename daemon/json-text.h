/* JSON text of ocid's own files (state.json): a strict reader that parses a whole text
 * into one flat array of nodes, and a writer that appends to a GString. Neither creates
 * a GObject: a restart reads one state.json per container, and json-glib's parser (a
 * GObject emitting a signal per node) cost more than all the syscalls of a restore.
 * The spec and the runtime's output, which come from outside, still go through
 * json-glib (daemon/spec.c). The reader is json-text.c, the writer json-writer.c. */
#pragma once

#include <glib.h>

typedef enum {
	OCID_JSON_NULL,
	OCID_JSON_FALSE,
	OCID_JSON_TRUE,
	OCID_JSON_INTEGER, /* no fraction, no exponent, within gint64 */
	OCID_JSON_NUMBER,  /* any other number; its value is not kept */
	OCID_JSON_STRING,
	OCID_JSON_OBJECT,
	OCID_JSON_ARRAY,
} OcidJsonKind;

typedef struct OcidJsonDoc OcidJsonDoc;

/* A value in a parsed document. Pointers into a document live as long as it does. */
typedef struct {
	OcidJsonKind kind;
	const char *key;    /* the member's name, NULL outside an object */
	guint key_hash;     /* of key: a lookup compares names only where these agree */
	const char *string; /* OCID_JSON_STRING: NUL-terminated, valid UTF-8, no NUL inside */
	gint64 integer;     /* OCID_JSON_INTEGER */
	guint first;        /* OBJECT, ARRAY: index of the first child, 0 for none */
	guint next;         /* index of the next sibling, 0 for none */
	guint names;        /* OBJECT: where the document indexes its members, 0 if empty */
} OcidJsonNode;

/* Parses exactly one JSON value (RFC 8259) nested at most @max_depth deep. Refuses, with
 * the line and column, anything else, strings holding NUL, and a name repeated in one
 * object (which JSON leaves undefined and ocid never writes). */
OcidJsonDoc *ocid_json_doc_parse(const char *data, gsize len, guint max_depth, GError **error);

void ocid_json_doc_free(OcidJsonDoc *doc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidJsonDoc, ocid_json_doc_free)

const OcidJsonNode *ocid_json_doc_root(const OcidJsonDoc *doc);

/* Children of an object or array, in order; NULL after the last. */
const OcidJsonNode *ocid_json_first(const OcidJsonDoc *doc, const OcidJsonNode *parent);
const OcidJsonNode *ocid_json_next(const OcidJsonDoc *doc, const OcidJsonNode *node);

/* The member @key of @object; NULL when absent or when @object is not an object. */
const OcidJsonNode *ocid_json_member(const OcidJsonDoc *doc, const OcidJsonNode *object,
				     const char *key);

/* The same, leaving in *@hint the member after the one found (kept where @key is absent):
 * for a caller that walks on from there. Either finds a member through its object's index
 * of names, in about one probe. */
const OcidJsonNode *ocid_json_member_from(const OcidJsonDoc *doc, const OcidJsonNode *object,
					  const char *key, const OcidJsonNode **hint);

/* What the kind is called in an error message: "a string", "null", ... */
const char *ocid_json_kind_name(OcidJsonKind kind);

/* The writer: values go after the previous one with the separators JSON needs; objects
 * and arrays are pretty-printed with two spaces per level. */
typedef struct {
	GString *out;
	guint depth;      /* at most 63 */
	guint64 nonempty; /* bit d: level d has a child written already */
	gboolean after_key;
} OcidJsonWriter;

void ocid_json_writer_init(OcidJsonWriter *w, GString *out);
void ocid_json_write_key(OcidJsonWriter *w, const char *key);
void ocid_json_write_string(OcidJsonWriter *w, const char *value); /* NULL writes null */
void ocid_json_write_int(OcidJsonWriter *w, gint64 value);
void ocid_json_write_bool(OcidJsonWriter *w, gboolean value);
void ocid_json_write_begin(OcidJsonWriter *w, char open); /* '{' or '[' */
void ocid_json_write_end(OcidJsonWriter *w, char close);  /* '}' or ']' */
