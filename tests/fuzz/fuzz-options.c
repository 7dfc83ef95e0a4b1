/* The values callers pass in options and calls, checked in the daemon: ids and names,
 * signal names (stop_signal, Kill), and Update's resources. The input is split at NUL
 * bytes into the pieces. */
#include "ids.h"
#include "process.h"
#include "resources.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = g_strndup((const char *)data, size);
	g_auto(OcidResources) resources = { 0 };
	uint64_t numbers[4] = { 0 };

	(void)ocid_id_is_valid(text);
	(void)ocid_check_name(text, NULL);
	(void)ocid_signal_from_string(text);
	memcpy(numbers, data, MIN(size, sizeof numbers));
	resources.has_cpuset_cpus = TRUE;
	resources.cpuset_cpus = g_strdup(text);
	resources.has_cpuset_mems = size % 2 == 0;
	resources.cpuset_mems = g_strdup(text);
	resources.has_cpu_shares = TRUE;
	resources.cpu_shares = numbers[0];
	resources.has_cpu_quota = TRUE;
	resources.cpu_quota = (int64_t)numbers[1];
	resources.has_memory_limit = TRUE;
	resources.memory_limit = (int64_t)numbers[2];
	resources.has_memory_swap = TRUE;
	resources.memory_swap = (int64_t)numbers[3];
	if (ocid_resources_validate(&resources, NULL)) {
		g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
		ocid_resources_to_runtime_args(&resources, args);
		g_assert_cmpuint(args->len % 2, ==, 0);
	}
	return 0;
}
