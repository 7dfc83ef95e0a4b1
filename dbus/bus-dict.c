#include "bus-dict.h"

#include "bus-errors.h"

#include "../daemon/input-limits.h"

#include <glib.h>

int
ocid_bus_read_dict(sd_bus_message *m, const OcidBusDictReader *reader, void *data,
		   sd_bus_error *error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	int r;

	r = sd_bus_message_enter_container(m, 'a', "{sv}");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
		const char *key, *expected, *contents = NULL;
		char type;

		r = sd_bus_message_read(m, "s", &key);
		if (r < 0)
			return r;
		expected = reader->signature_of(key, data);
		if (expected == NULL)
			return ocid_bus_error_invalid(error, "Unknown %s '%s'; %s", reader->what,
						      key, reader->known);
		/* Each key once: a second value would either replace the first or add to
		 * it, and the caller could not tell which. Known keys only, so the set stays
		 * small and OCID_BUS_DICT_MAX_ENTRIES bounds the walk. */
		if (!g_hash_table_add(seen, g_strdup(key)))
			return ocid_bus_error_invalid(
			    error, "The %s '%s' is given twice; give it once", reader->what, key);
		if (g_hash_table_size(seen) > OCID_BUS_DICT_MAX_ENTRIES)
			return ocid_bus_error_invalid(error, "More than %d %ss; give each once",
						      OCID_BUS_DICT_MAX_ENTRIES, reader->what);
		r = sd_bus_message_peek_type(m, &type, &contents);
		if (r < 0)
			return r;
		if (!g_str_equal(contents, expected))
			return ocid_bus_error_invalid(error,
						      "The %s '%s' must have type '%s', not '%s'",
						      reader->what, key, expected, contents);
		r = sd_bus_message_enter_container(m, 'v', contents);
		if (r < 0)
			return r;
		r = reader->read(m, key, data, error);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	return sd_bus_message_exit_container(m);
}
