#include "runtime-args.h"

size_t
runtime_global_args(const RuntimeGlobalArgs *args, const char **argv)
{
	size_t n = 0;

	argv[n++] = args->runtime;
	if (args->root != NULL) {
		argv[n++] = "--root";
		argv[n++] = args->root;
	}
	if (args->systemd_cgroup)
		argv[n++] = "--systemd-cgroup";
	return n;
}
