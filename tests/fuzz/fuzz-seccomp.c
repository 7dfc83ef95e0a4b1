/* Seccomp profile parsing (seccomp_profile_path): any bytes are refused or accepted. */
#include "seccomp-profile.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) seccomp =
		ocid_seccomp_profile_parse((const char *)data, size, "fuzz.json", &error);

	g_assert_true((seccomp == NULL) == (error != NULL));
	return 0;
}
