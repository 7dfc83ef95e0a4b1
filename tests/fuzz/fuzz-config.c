/* ocid.conf parsing: any bytes are refused or accepted, never crash. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(OcidConfig) config = ocid_config_new_default();
	g_autoptr(GError) error = NULL;

	(void)ocid_config_apply_data(config, (const char *)data, size, "fuzz.conf", &error);
	return 0;
}
