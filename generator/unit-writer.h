/* The service a declarative container becomes: its text, from a parsed .container file.
 * The unit runs the container through 'ocictl run' in the foreground (its output goes to
 * the unit's journal, its exit code is the unit's), reports READY=1 once the container runs
 * (Type=notify), stops it with its stop signal and timeout, and removes it afterwards. */
#pragma once

#include "container-file.h"

#include <glib.h>

/* The unit file's text; @ocictl is the absolute path of ocictl. */
char *ocid_unit_render(const OcidContainerFile *file, const char *ocictl);

/* @word quoted for a command line in a unit (ExecStart=): systemd's quoting, with '%' and '$'
 * escaped so that neither a specifier nor a variable is expanded. */
char *ocid_unit_quote_word(const char *word);
