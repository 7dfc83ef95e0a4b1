/* runtime-args.h: the OCI runtime's global arguments, the ones that go before the verb
 * ("runc --root X --systemd-cgroup create ..."), spelled once for monitor and bench. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *runtime; /* argv[0]: the runtime's path */
	const char *root;    /* --root, the runtime's state dir; NULL for its default */
	bool systemd_cgroup; /* --systemd-cgroup: cgroups paths are slice:prefix:name */
} RuntimeGlobalArgs;

/* The most that runtime_global_args() stores. */
#define RUNTIME_GLOBAL_ARGS_MAX 4

/* Stores the runtime and its global arguments at the start of @argv, which has room for
 * at least RUNTIME_GLOBAL_ARGS_MAX entries, and returns how many it stored. The strings are
 * @args' own or literals; nothing is allocated. */
size_t runtime_global_args(const RuntimeGlobalArgs *args, const char **argv);
