/* The bad calls of the bad-input suite: the cases, and a seeded generator. Each
 * goes through bad_call(), which asserts a named error within the bound and counts it. */
#pragma once

#include "ocid-test.h"

typedef struct {
	OcidTest *t;
	GPid pid;
	gint64 rss_before; /* KiB */
	char *before;      /* snapshot() */
	guint signals_before;
	char *good_bundle;
	char *running, *stopped, *paused; /* object paths */
	GPtrArray *bundles;               /* bad bundle dirs, each refused by CreateContainer */
	GHashTable *errors;               /* error name -> count */
	guint calls;
	guint generated;
	gint64 slowest_us;
	char slowest[256];
} BadRun;

/* Bundles that CreateContainer must refuse: nested 100,000 deep, 50 MiB, a FIFO, a
 * symlink or a device as config.json, wrong types ("linux": "garbage"), a quota that
 * overflows, hooks with a bad type, ... */
GPtrArray *bad_bundles_make(OcidTest *t);

/* Calls @method with @args (floating, consumed) and asserts an error whose name is one of
 * @allowed (NULL-terminated; a trailing '*' matches a prefix); counts it. */
void bad_call(BadRun *run, const char *path, const char *interface, const char *method,
	      GVariant *args, const char *const *allowed);

/* Every input-related case of the "Why". */
void bad_why_cases(BadRun *run);

/* One generated bad call, number @i, from @rand. */
void bad_generated_call(BadRun *run, GRand *rand, guint i);
