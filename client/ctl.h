/* ocictl's modules and their contract. ocictl talks to ocid over the system bus (or the
 * bus named by --address or DBUS_SYSTEM_BUS_ADDRESS); each command is a file of its own
 * (cmd-*.c) that parses its options with ocictl_parse() and reports failures as a GError
 * whose message is phrased for the command line. Exit codes follow podman's. */
#pragma once

#include <gio/gio.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "../daemon/errors.h"

#define OCICTL_BUS_NAME     "org.oci.Runtime"
#define OCICTL_MANAGER_PATH "/org/oci/Runtime"
#define OCICTL_MANAGER      "org.oci.Runtime.Manager"
#define OCICTL_CONTAINER    "org.oci.Runtime.Container"
#define OCICTL_PROCESS      "org.oci.Runtime.Process"

/* podman's exit codes: ocictl's own errors, a command that cannot be invoked, one that is
 * not found; anything else is the container's or the command's own code. */
enum {
	OCICTL_EXIT_ERROR = 125,
	OCICTL_EXIT_CANNOT_INVOKE = 126,
	OCICTL_EXIT_NOT_FOUND = 127,
	/* An image that cannot be had, before any container exists (ocictl(1)). */
	OCICTL_EXIT_IMAGE_UNKNOWN = 120,
	OCICTL_EXIT_REGISTRY = 121,
	OCICTL_EXIT_IMAGE_CORRUPT = 122,
	OCICTL_EXIT_NO_SPACE = 123,
};

/* Error codes of OCICTL_ERROR; each maps to one exit code. */
typedef enum {
	OCICTL_ERROR_USAGE,             /* 125, with a pointer to COMMAND --help */
	OCICTL_ERROR_FAILED,            /* 125 */
	OCICTL_ERROR_CANNOT_INVOKE,     /* 126 */
	OCICTL_ERROR_NOT_FOUND,         /* 127 */
	OCICTL_ERROR_NO_SUCH_CONTAINER, /* 125: a name that matches no container */
	OCICTL_ERROR_IMAGE_UNKNOWN,     /* 120: no such image, tag, layout or archive */
	OCICTL_ERROR_REGISTRY,          /* 121: the registry cannot be reached */
	OCICTL_ERROR_IMAGE_CORRUPT,     /* 122: a layer, manifest or archive that does not read */
	OCICTL_ERROR_NO_SPACE,          /* 123: the store's disk is full */
} OcictlError;

#define OCICTL_ERROR (ocictl_error_quark())
GQuark ocictl_error_quark(void);

typedef struct {
	GDBusConnection *bus;
	char *address;         /* --address, else the system bus */
	char *host;            /* -H [USER@]HOST[:PORT]: the system bus there, over ssh */
	gboolean ask_password; /* start pkttyagent when stdin is a terminal */
	GPid agent_pid;        /* the pkttyagent started, 0 before */
	const char *command;   /* the command being run, for messages */
} Ctl;

/* A command: run() parses argv (argv[0] is "ocictl NAME") and returns the exit code,
 * with @error set when it is ocictl's own failure. */
typedef struct {
	const char *name;
	const char *alias;
	const char *summary;
	int (*run)(Ctl *ctl, int argc, char **argv, GError **error);
} OcictlCommand;

/* ---- parse.c: options ---- */

/* Parses @argv with @entries (NULL-terminated) for "ocictl COMMAND PARAMS". With
 * @strict_posix, parsing stops at the first non-option (exec's command). Leaves the
 * positional arguments in @argv (argv[0] kept, one "--" dropped). --help prints the
 * command's help and exits 0. A bad option is OCICTL_ERROR_USAGE naming it. */
gboolean ocictl_parse(const char *command, const char *params, const char *summary,
		      const GOptionEntry *entries, gboolean strict_posix, int *argc, char ***argv,
		      GError **error);

/* Checks the number of positional arguments (argv[0] aside): at least @min, at most
 * @max (-1: any). */
gboolean ocictl_check_args(const char *command, int argc, char **argv, int min, int max,
			   const char *what, GError **error);

/* A usage error for @command. */
void ocictl_usage_error(GError **error, const char *command, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

/* "64m", "1g", "512k", "1000": bytes (binary multiples, as podman). */
gboolean ocictl_parse_size(const char *text, gint64 *bytes, GError **error);

/* KEY=VALUE into an a{ss} builder. */
void ocictl_add_pair(GVariantBuilder *builder, const char *text);

/* ---- cmd-health.c: health checks ---- */

/* podman's --health-* flags of create and run. */
typedef struct {
	char *cmd; /* run with /bin/sh -c; "none": no check */
	char *interval, *timeout, *start_period;
	int retries;
	char *on_failure;
} OcictlHealthFlags;

void ocictl_health_flags_clear(OcictlHealthFlags *flags);

/* Adds the create option `healthcheck` when --health-cmd was given. */
gboolean ocictl_add_healthcheck(GVariantBuilder *options, const OcictlHealthFlags *flags,
				GError **error);

/* "healthy" or "unhealthy", NULL otherwise: what ps shows beside a running container. */
char *ocictl_health_of(Ctl *ctl, const char *path);

/* ---- sdnotify.c: run --sdnotify ---- */

typedef enum {
	OCICTL_SDNOTIFY_RUNNING, /* Start has returned */
	OCICTL_SDNOTIFY_READY,   /* the container said READY=1 (the create option notify) */
	OCICTL_SDNOTIFY_HEALTHY, /* its health check passed */
} OcictlSdnotify;

/* --sdnotify=MODE of @command (create or run): create takes ready only (the container
 * gets its NOTIFY_SOCKET), healthy needs a health check, run may not --detach. */
gboolean ocictl_sdnotify_parse(const char *command, const char *mode, gboolean detach,
			       gboolean has_health, OcictlSdnotify *out, GError **error);

/* After Start: READY=1 to ocictl's own NOTIFY_SOCKET now (running), or from a thread of
 * its own once the container is ready or healthy; never if it stops first. */
void ocictl_sdnotify_begin(Ctl *ctl, const char *path, const char *id, OcictlSdnotify mode);

/* ---- bus.c: the daemon ---- */

/* Connects on first use; the error says how to reach the daemon. */
GDBusConnection *ocictl_bus(Ctl *ctl, GError **error);

/* Calls @method; @interactive starts the polkit agent first (a method that changes
 * something). A D-Bus error is rewritten for the command line. */
GVariant *ocictl_call(Ctl *ctl, const char *path, const char *interface, const char *method,
		      GVariant *args, const char *reply_type, gboolean interactive, GError **error);

/* The same with fds passed back in @fds_out (may be NULL). */
GVariant *ocictl_call_fds(Ctl *ctl, const char *path, const char *interface, const char *method,
			  GVariant *args, const char *reply_type, GUnixFDList **fds_out,
			  GError **error);

/* A container named by its name, its full id or a unique prefix of its id: its object
 * path and id. An ambiguous prefix is an error listing the matches. */
gboolean ocictl_resolve(Ctl *ctl, const char *name, char **path, char **id, GError **error);

/* All properties of @interface at @path as a{sv}. */
GVariant *ocictl_get_all(Ctl *ctl, const char *path, const char *interface, GError **error);

/* One property of a container, or NULL with @error. */
GVariant *ocictl_get(Ctl *ctl, const char *path, const char *name, GError **error);

/* Whether @error says ocid is away for a moment: it left during the call, or is not
 * (yet) back on the bus. */
gboolean ocictl_daemon_away(const GError *error);

/* ocictl_call (not interactive), again while ocid is away (a restart), for up to two
 * minutes. */
GVariant *ocictl_call_through_restart(Ctl *ctl, const char *path, const char *interface,
				      const char *method, GVariant *args, const char *reply_type,
				      GError **error);

/* The unique name that owns ocid's bus name now, or NULL: a new one after a restart. */
char *ocictl_daemon_owner(Ctl *ctl);

/* Whether @error is the daemon's D-Bus error for @code (daemon/errors.h). */
gboolean ocictl_error_is(const GError *error, OcidError code);

/* Rewrites a D-Bus error from a call on @target (a container's name, or NULL) into a
 * message for the command line. */
void ocictl_phrase_error(Ctl *ctl, const char *target, GError *error);

/* ---- remote.c: -H, another host's bus over ssh ---- */

/* Runs ssh HOST systemd-stdio-bridge (as sd_bus_open_system_remote() does) and connects
 * to the remote system bus through it. */
GDBusConnection *ocictl_remote_bus(const char *host, GError **error);

/* FALSE, with an error naming the command, when the bus is a remote one: file descriptors
 * (logs, attach, exec, run's output) cannot pass through ssh. */
gboolean ocictl_check_local(Ctl *ctl, GError **error);

/* ---- agent.c: polkit ---- */

/* Starts pkttyagent (as systemctl does) when stdin is a terminal and asking is allowed. */
void ocictl_agent_start(Ctl *ctl);
void ocictl_agent_stop(Ctl *ctl);

/* ---- output.c ---- */

/* The id as a table shows it: 12 characters unless @no_trunc. */
char *ocictl_short_id(const char *id, gboolean no_trunc);

/* Prints @node as JSON (pretty) and a newline. */
void ocictl_print_json(JsonNode *node, gboolean pretty);

/* a{sv} of properties as a JSON object, each under its D-Bus name. */
JsonNode *ocictl_properties_to_json(GVariant *properties);

/* A microsecond timestamp as RFC 3339 (local time), "" for 0. */
char *ocictl_format_time(guint64 usec);

/* ---- stream.c: a terminal or stdin relayed to a socket ---- */

typedef struct {
	gboolean send_stdin;     /* copy our stdin to the socket */
	gboolean raw;            /* put our terminal in raw mode meanwhile */
	const char *detach_keys; /* "ctrl-p,ctrl-q" style; NULL: none */
	/* Called with the terminal's size at start and on SIGWINCH. */
	void (*resize)(gpointer data, guint rows, guint cols);
	gpointer resize_data;
	/* At the end of our stdin, shut the socket's write side (exec: the process's stdin
	 * closes); otherwise keep showing output until the other end closes. */
	gboolean shut_on_eof;
} OcictlStream;

/* Copies until the socket's other end closes, or the user types the detach keys
 * (@detached set). */
gboolean ocictl_stream_run(int socket_fd, const OcictlStream *how, gboolean *detached,
			   GError **error);

/* Parses "ctrl-p,ctrl-q" into bytes; an empty string disables detaching. */
gboolean ocictl_parse_detach_keys(const char *text, GByteArray **keys, GError **error);

/* ---- logs.c ---- */

/* Prints the CRI log lines read from @fd: each line's payload to stdout or stderr (with
 * the timestamp when @timestamps), partial lines joined; lines before @since_usec (0: all)
 * skipped. Returns at EOF, with the time of the last line printed in @last_usec (may be
 * NULL; left alone when none was). */
gboolean ocictl_print_log(int fd, gboolean timestamps, gint64 since_usec, gint64 *last_usec,
			  GError **error);

/* run's output: the container's log followed until it has stopped, across restarts of
 * ocid (each one closes the followed log; the rest is read from a new one). */
gboolean ocictl_follow_log(Ctl *ctl, const char *path, GError **error);

/* Opens the log of @path through OpenLog (tail: -1 for all). */
int ocictl_open_log(Ctl *ctl, const char *path, gint64 tail, gboolean follow, GError **error);

/* Waits for the container to stop and returns its exit code (Wait), across restarts of
 * ocid. */
gboolean ocictl_wait(Ctl *ctl, const char *path, gint32 *exit_code, gboolean *oom, GError **error);

/* ---- the commands ---- */
int ocictl_cmd_list(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_inspect(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_status(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_create(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_run(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_start(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_stop(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_kill(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_rm(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_pause(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_unpause(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_wait(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_exec(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_logs(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_events(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_update(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_stats(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_attach(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_healthcheck(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_version(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_pull(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_images(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_rmi(Ctl *ctl, int argc, char **argv, GError **error);
int ocictl_cmd_image(Ctl *ctl, int argc, char **argv, GError **error);

/* The command table (ocictl.c), for help and completion. */
extern const OcictlCommand ocictl_commands[];
