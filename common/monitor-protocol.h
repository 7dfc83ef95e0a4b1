/* monitor-protocol.h: everything the daemon and ocid-monitor say to each other, in one
 * place, with no GLib, so that both sides (and the tests) use the same code:
 *
 *  - the monitor's command line: MonitorArgs, encoded to an argv by the daemon and decoded
 *    by the monitor;
 *  - the one answer on the sync fd: "ok <pid>\n" once the container is created, "ok <exit
 *    code> <timed out 0|1>\n" after an exec, or "error\n<message>" instead of either
 *    ("cgroup-error\n<message>" when the group of --cgroup-group could not be made or
 *    entered: ocid's own failure, not the runtime's; "bundle-error <errno>\n<path>" when
 *    the dir or a file of --bundle-files-fd could not be made, for the daemon to word);
 *  - the exit file: "<exit code>\n", then "oom\n" when the container was OOM-killed.
 *
 * Functions return 0 (or a length) on success and -errno on failure; where a caller can
 * use a reason, it is written to @error (a buffer of @error_size bytes, always terminated). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A user, by number: "--log-owner UID:GID". */
typedef struct {
	bool set;
	uid_t uid; /* never 0: root needs no owner */
	gid_t gid;
} MonitorOwner;

/* The monitor's arguments, the one struct both sides fill: the daemon (through
 * ocid_manager_monitor_args() and ocid_monitor_spawn(), which hands its fds over under
 * fixed numbers) and the monitor's decoder. Strings are borrowed: from the daemon's caller
 * when encoding, from the argv when decoding. NULL strings, false flags, fds < 0 and zero
 * numbers are left off the command line. Exec mode is when exec_argv is set. */
typedef struct {
	const char *id;
	const char *runtime;      /* the OCI runtime's path */
	const char *runtime_root; /* the runtime's --root */
	const char *bundle;       /* create mode: the container's own dir */
	const char *pid_file;
	const char *log_path; /* create mode: the CRI log */
	/* Create mode: the output goes to the journal (the journald log driver) instead of
	 * log_path, with the container's name in its fields. */
	bool journald;
	const char *name;
	const char *exit_file; /* create mode */
	int sync_fd;           /* where the answer goes; required */
	int wait_fd;           /* -1, or a pipe to read one byte from before create */
	int64_t log_size_max;  /* bytes; 0 or less for no limit */
	/* Create mode: the log is a file this non-root user named; the monitor opens, creates
	 * and rotates it with her authority only (monitor/fs-identity.h). */
	MonitorOwner log_owner;
	bool no_pivot;
	bool systemd_cgroup;
	/* Create mode, cgroup_manager = cgroupfs: the container's group, which the daemon
	 * chose (docs/cgroups.md). The monitor makes <group>/supervisor in every hierarchy
	 * before it runs the runtime, and moves itself there while the runtime runs: the
	 * daemon's main loop pays for none of the mkdirs. Nothing else is made. */
	const char *cgroup_group;
	/* Create mode, a first create: a sealed memfd with the container's first record and
	 * its spec, in that order with a NUL between (JSON text has none). The monitor makes
	 * bundle, which must not exist yet, and writes them there as state.json and
	 * config.json, with an empty state.json.tmp for the daemon's next record to be
	 * exchanged with (daemon/persist.c), before it makes anything else: the daemon's main
	 * loop allocates none of these inodes. It writes nothing else there. */
	int bundle_files_fd;
	/* With bundle_files_fd: the daemon made the dir (it binds a notify socket there
	 * first); the monitor writes the files only. */
	bool bundle_made;
	bool terminal;                /* the container has a pty, passed by the runtime */
	bool stdin_open;              /* the container's stdin is the monitor's to feed */
	bool stdin_once;              /* ... until the first attached client leaves */
	const char *attach_path;      /* unix socket streaming stdin in and output out */
	const char *console_socket;   /* with terminal: where the runtime sends the pty master */
	const char *exec_dir;         /* exec mode: where stdout and stderr go */
	int64_t exec_timeout_sec;     /* exec mode: 0 for none */
	const char *const *exec_argv; /* exec mode: the command, NULL-terminated */
	/* Exec mode with a session (Container.Exec): the process's stdio (a socket), the
	 * control socket, and whether the process gets a terminal. The command is in
	 * <exec_dir>/process.json, which the daemon writes. */
	int session_fd;
	int control_fd;
	bool exec_tty;
} MonitorArgs;

#define MONITOR_ARGS_INIT                                                                          \
	{                                                                                          \
		.sync_fd = -1, .wait_fd = -1, .session_fd = -1, .control_fd = -1,                  \
		.bundle_files_fd = -1                                                              \
	}

/* Checks what the monitor needs to run at all: a valid id, absolute paths for what the
 * mode requires, a sync fd, a console socket with a terminal, a command in exec mode. */
int monitor_args_check(const MonitorArgs *args, char *error, size_t error_size);

/* Checks @args and builds the monitor's argv, @monitor_path first, into a NULL-terminated
 * vector of malloc'ed strings (*ret_argv, to free with monitor_argv_free()). */
int monitor_args_encode(const MonitorArgs *args, const char *monitor_path, char ***ret_argv,
			char *error, size_t error_size);

void monitor_argv_free(char **argv);

/* Parses the monitor's own @argv (argv[argc] is NULL; argv[0] is skipped) into @args and
 * checks it. "--name value" and "--name=value" are both understood; in exec mode the
 * command follows "--". On failure @args still holds what could be read, the sync fd in
 * particular, so that the reason can be reported over it. */
int monitor_args_decode(int argc, char *const *argv, MonitorArgs *args, char *error,
			size_t error_size);

/* ExecSync output the exec monitor keeps per stream, in <exec-dir>/stdout and stderr: up to
 * this many bytes and one more, which tells the daemon it was cut (OCID_EXEC_OUTPUT_MAX). */
#define MONITOR_EXEC_OUTPUT_MAX (8 * 1024 * 1024)

/* What the daemon reads of the sync fd at most; a longer error message is cut. */
#define MONITOR_ANSWER_MAX (256 * 1024)

typedef enum {
	MONITOR_ANSWER_CREATED,     /* "ok <pid>" */
	MONITOR_ANSWER_EXEC_RESULT, /* "ok <exit code> <timed out>" */
	MONITOR_ANSWER_ERROR,       /* "error\n<message>" */
} MonitorAnswerKind;

typedef struct {
	MonitorAnswerKind kind;
	pid_t pid;           /* CREATED: the container's pid */
	int exit_code;       /* EXEC_RESULT: 0-255 */
	bool timed_out;      /* EXEC_RESULT */
	bool cgroup;         /* ERROR: the container's group, not the runtime, failed */
	int bundle_errno;    /* ERROR: > 0 when making the bundle failed; message is the path */
	const char *message; /* ERROR: into the parsed text, trimmed, not terminated */
	size_t message_len;
} MonitorAnswer;

/* Each returns the length written to @buf (terminated, like snprintf) or -ENOSPC; the
 * error's message may hold anything but is sent as it is. */
int monitor_answer_format_created(char *buf, size_t size, pid_t pid);
int monitor_answer_format_exec_result(char *buf, size_t size, int exit_code, bool timed_out);
int monitor_answer_format_error(char *buf, size_t size, const char *message);
int monitor_answer_format_cgroup_error(char *buf, size_t size, const char *message);
/* @errnum > 0: why @path could not be made. */
int monitor_answer_format_bundle_error(char *buf, size_t size, int errnum, const char *path);

/* The bytes monitor_answer_format_error() needs for @message_len bytes of message. */
#define MONITOR_ANSWER_ERROR_SIZE(message_len) (sizeof "cgroup-error\n" + (message_len))

/* Parses the whole answer, @len bytes of @text. An "ok" is read as @ok_kind (CREATED or
 * EXEC_RESULT: the daemon knows which mode it started). -ENODATA for an empty answer (the
 * monitor died without one), -EBADMSG for anything malformed. */
int monitor_answer_parse(const char *text, size_t len, MonitorAnswerKind ok_kind,
			 MonitorAnswer *answer);

/* What a reader reads of an exit file at most; a valid one is far shorter. */
#define MONITOR_EXIT_FILE_MAX 4096

/* Returns the length written to @buf or -ENOSPC, -EINVAL for an exit code out of 0-255. */
int monitor_exit_file_format(char *buf, size_t size, int exit_code, bool oom_killed);

/* -EBADMSG unless @text is exactly what monitor_exit_file_format() writes (the final newline
 * may be missing). */
int monitor_exit_file_parse(const char *text, size_t len, int *exit_code, bool *oom_killed);

/* Control messages, one per datagram or seqpacket, for a monitor that holds a terminal or
 * runs an interactive exec: "resize <rows> <cols>" (1-65535 each) and "kill <signal>"
 * from the daemon, "started <pid>" from an exec session's monitor once the process runs.
 * A create-mode monitor with a terminal receives them on a datagram socket at
 * <attach_path>MONITOR_RESIZE_SUFFIX; an exec session's on the --control-fd it shares
 * with the daemon. */
#define MONITOR_RESIZE_SUFFIX ".resize"
#define MONITOR_CONTROL_MAX   64

typedef enum {
	MONITOR_CONTROL_RESIZE,
	MONITOR_CONTROL_KILL,
	MONITOR_CONTROL_STARTED,
} MonitorControlKind;

typedef struct {
	MonitorControlKind kind;
	unsigned rows, cols; /* RESIZE */
	int signal;          /* KILL: 1-64 */
	pid_t pid;           /* STARTED */
} MonitorControl;

/* Each returns the length written (terminated) or -EINVAL for a value out of range. */
int monitor_control_format_resize(char *buf, size_t size, unsigned rows, unsigned cols);
int monitor_control_format_kill(char *buf, size_t size, int signal);
int monitor_control_format_started(char *buf, size_t size, pid_t pid);

/* -EBADMSG unless @text (@len bytes, not terminated) is one of the messages above. */
int monitor_control_parse(const char *text, size_t len, MonitorControl *control);
