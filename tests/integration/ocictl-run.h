/* Running ocictl the way a user does, against the test's daemon, for test-ocictl*.c. */
#pragma once

#include "ocid-test.h"

typedef struct {
	int status; /* exit code, or 128+N for a death by signal N */
	char *out;
	char *err;
} OcictlResult;

void ocictl_result_clear(OcictlResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(OcictlResult, ocictl_result_clear)

/* Runs `ocictl ARGS…` (NULL-terminated) on the test's bus, stdin from /dev/null. */
OcictlResult ocictl_run(OcidTest *t, const char *first, ...) G_GNUC_NULL_TERMINATED;

/* The same with @argv, extra environment @env (may be NULL) and @input as stdin (NULL:
 * /dev/null). */
OcictlResult ocictl_runv(OcidTest *t, const char *const *argv, const char *const *env,
			 const char *input);

/* Asserts exit code @status; prints what ocictl said otherwise. */
void ocictl_assert_status(const OcictlResult *r, int status);

/* Asserts that @haystack holds @needle. */
void ocictl_assert_contains(const char *haystack, const char *needle);

/* The environment ocictl runs in: the test's bus as the system bus. */
char **ocictl_environ(OcidTest *t, const char *const *extra);

/* The test environment, or NULL with the test skipped (not root, or no OCID_CTL). */
OcidTest *ocictl_test_setup_or_skip(void);

/* Runs ocictl and asserts that it exited 0. */
void ocictl_run_ok(OcidTest *t, const char *first, ...) G_GNUC_NULL_TERMINATED;

/* Removes every container (rm -f), asserting success. */
void ocictl_remove_all(OcidTest *t);
