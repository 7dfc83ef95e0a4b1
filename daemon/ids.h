/* Container ids and names: what is allowed, and fresh ids. Ids become file names and
 * object path elements, so they are checked before anything else touches them. */
#pragma once

#include <glib.h>

#define OCID_ID_MAX   128
#define OCID_NAME_MAX OCID_ID_MAX

gboolean ocid_id_is_valid(const char *id);

gboolean ocid_check_id(const char *id, GError **error);

gboolean ocid_check_name(const char *name, GError **error);

/* 64 lowercase hex characters from the kernel's random source. */
char *ocid_id_generate(void);
