/* state.json parsing: whatever a damaged disk holds, restore refuses it cleanly; what it
 * accepts serializes back to something it accepts again. */
#include "persist.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidContainer) c =
		ocid_persist_from_json((const char *)data, size, "fuzz.json", &error);

	if (c != NULL) {
		g_autofree char *json = ocid_persist_to_json(c);
		g_autoptr(OcidContainer) again =
			ocid_persist_from_json(json, strlen(json), "again.json", NULL);
		g_assert_nonnull(again);
	}
	return 0;
}
