/* Starting a created container without a second runtime process. After `create`, runc
 * and crun both hold the container's init back on a fifo, `<runtime root>/<id>/exec.fifo`,
 * and `<runtime> start` does little more than release it:
 *
 * - runc: init opens the fifo for writing and blocks until a reader comes; `runc start`
 *   opens it O_RDONLY, reads the byte init writes, then unlinks the fifo (its absence is
 *   how `runc state` tells running from created). runc 1.2+ then runs the poststart hooks.
 * - crun: init holds the fifo open for reading and waits for a byte; `crun start` opens it
 *   O_WRONLY, unlinks it, writes one byte, then runs the poststart hooks.
 *
 * Either start also honours NOTIFY_SOCKET, which ocid never passes to the runtime. So ocid
 * takes the fifo itself for the runtimes it knows (told by `<runtime> --version`) and specs
 * without poststart hooks; everything else goes through `<runtime> start`. */
#pragma once

#include "runtime.h"

#include <json-glib/json-glib.h>

typedef enum {
	OCID_START_BY_RUNTIME, /* `<runtime> start` */
	OCID_START_FIFO_READ,  /* runc: read the byte init writes, unlink */
	OCID_START_FIFO_WRITE, /* crun: unlink, write the byte init waits for */
} OcidStartProtocol;

/* The protocol of the runtime whose `--version` printed @version_line first (NULL:
 * unknown runtime). */
OcidStartProtocol ocid_start_protocol_for_version(const char *version_line);

/* Whether @spec can be started through the fifo: it has no poststart hooks, which only
 * the runtime's own start runs. */
gboolean ocid_start_spec_allows_fifo(JsonNode *spec);

/* Whether @spec has hooks of @kind ("poststart", "poststop"), or cannot be read well
 * enough to tell. */
gboolean ocid_spec_has_hooks(JsonNode *spec, const char *kind);

/* Releases the container @id (whose init's pidfd is @container_pidfd, borrowed) through
 * the fifo in @runtime_root. @done gets "" once the process is released, or an
 * OCID_ERROR_RUNTIME_FAILED error when the init exited before that. Returns FALSE, without
 * calling @done, when there is no fifo to take (the caller then runs `<runtime> start`,
 * which reports what state the container is in). */
gboolean ocid_start_fifo_begin(OcidStartProtocol protocol, const char *runtime_root, const char *id,
			       int container_pidfd, OcidRuntimeDoneFunc done, gpointer user_data);
