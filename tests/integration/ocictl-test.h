/* What the ocictl tests share (test-ocictl, built from test-ocictl*.c). test-ocictl.c:
 * status, help, usage errors, ids, names and prefixes; -list.c: list and inspect;
 * -commands.c: exec, messages, update, events, completion, the README's quick start. */
#pragma once

#include "ocictl-run.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* It says "trapped" once its TERM trap is set: a stop before that would find a pid 1
 * with no handler, which the kernel spares from SIGTERM (or runc's init, still Go). */
#define LOOP "trap 'exit 0' TERM; echo trapped; while true; do sleep 0.05; done"

/* test-ocictl.c */
char *run_detached(OcidTest *t, const char *bundle, const char *name, const char *id);
gboolean json_has_name(JsonArray *array, const char *name);

/* test-ocictl-list.c */
void test_list(void);
void test_list_owner(void);
void test_inspect_properties(void);

/* test-ocictl-commands.c */
void test_exec_exit_codes(void);
void test_messages_name_commands(void);
void test_update(void);
void test_events(void);
void test_events_health_ready(void);
void test_healthcheck(void);
void test_completion(void);
void test_readme_quick_start(void);
