#include "monitor-protocol.h"

#include "container-id.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
	OPTION_STRING,
	OPTION_FLAG,
	OPTION_FD,
	OPTION_INT64,
	OPTION_OWNER,
} OptionKind;

typedef struct {
	const char *name;
	OptionKind kind;
	size_t offset;
	int64_t min;      /* OPTION_FD, OPTION_INT64 */
	const char *unit; /* named in the error for a bad number */
} Option;

#define FIELD(f) offsetof(MonitorArgs, f)

/* The one list of the monitor's options, in the order the encoder writes them. */
static const Option options[] = {
	{ "id", OPTION_STRING, FIELD(id) },
	{ "runtime", OPTION_STRING, FIELD(runtime) },
	{ "runtime-root", OPTION_STRING, FIELD(runtime_root) },
	{ "bundle", OPTION_STRING, FIELD(bundle) },
	{ "pid-file", OPTION_STRING, FIELD(pid_file) },
	{ "log-path", OPTION_STRING, FIELD(log_path) },
	{ "log-owner", OPTION_OWNER, FIELD(log_owner) },
	{ "journald", OPTION_FLAG, FIELD(journald) },
	{ "name", OPTION_STRING, FIELD(name) },
	{ "exit-file", OPTION_STRING, FIELD(exit_file) },
	{ "attach-path", OPTION_STRING, FIELD(attach_path) },
	{ "console-socket", OPTION_STRING, FIELD(console_socket) },
	{ "terminal", OPTION_FLAG, FIELD(terminal) },
	{ "stdin", OPTION_FLAG, FIELD(stdin_open) },
	{ "stdin-once", OPTION_FLAG, FIELD(stdin_once) },
	{ "sync-fd", OPTION_FD, FIELD(sync_fd), 0 },
	/* 0-2 are the monitor's stdio: never a pipe of the daemon's. */
	{ "wait-fd", OPTION_FD, FIELD(wait_fd), 3 },
	{ "exec-dir", OPTION_STRING, FIELD(exec_dir) },
	{ "session-fd", OPTION_FD, FIELD(session_fd), 3 },
	{ "control-fd", OPTION_FD, FIELD(control_fd), 3 },
	{ "exec-tty", OPTION_FLAG, FIELD(exec_tty) },
	{ "exec-timeout", OPTION_INT64, FIELD(exec_timeout_sec), 0, "seconds" },
	{ "log-size-max", OPTION_INT64, FIELD(log_size_max), INT64_MIN, "bytes" },
	{ "no-pivot", OPTION_FLAG, FIELD(no_pivot) },
	{ "systemd-cgroup", OPTION_FLAG, FIELD(systemd_cgroup) },
	{ "cgroup-group", OPTION_STRING, FIELD(cgroup_group) },
	{ "bundle-files-fd", OPTION_FD, FIELD(bundle_files_fd), 3 },
	{ "bundle-made", OPTION_FLAG, FIELD(bundle_made) },
};

#define N_OPTIONS (sizeof options / sizeof options[0])

/* Keeps the first error only: later ones are often consequences of it. */
__attribute__((format(printf, 3, 4))) static int
set_error(char *error, size_t error_size, const char *fmt, ...)
{
	va_list ap;

	if (error == NULL || error_size == 0 || error[0] != '\0')
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(error, error_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "UID:GID", both decimal, neither -1 (which the kernel reads as "no change") nor a root
 * uid. */
static int
parse_owner(const char *s, MonitorOwner *out)
{
	const char *colon = strchr(s, ':');
	char uid_text[16];
	char *end = NULL;
	unsigned long long uid, gid;

	if (colon == NULL || colon == s || (size_t)(colon - s) >= sizeof uid_text)
		return -EINVAL;
	memcpy(uid_text, s, (size_t)(colon - s));
	uid_text[colon - s] = '\0';
	if (uid_text[0] < '0' || uid_text[0] > '9' || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	uid = strtoull(uid_text, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	gid = strtoull(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	if (uid == 0 || uid >= UINT32_MAX || gid >= UINT32_MAX)
		return -EINVAL;
	*out = (MonitorOwner){ .set = true, .uid = (uid_t)uid, .gid = (gid_t)gid };
	return 0;
}

static int
parse_int64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long value;

	/* strtoll would take leading blanks and a '+'; the protocol has neither. */
	if (s[0] != '-' && (s[0] < '0' || s[0] > '9'))
		return -EINVAL;
	errno = 0;
	value = strtoll(s, &end, 10);
	if (errno != 0)
		return -errno;
	if (end == s || *end != '\0')
		return -EINVAL;
	*out = value;
	return 0;
}

/* The monitor makes what it is told, and nothing outside the hierarchies: no "." or ".."
 * part, and not the root itself. */
static bool
cgroup_group_is_valid(const char *group)
{
	bool named = false;

	if (group[0] != '/')
		return false;
	for (const char *part = group; *part != '\0';) {
		size_t len;

		part += strspn(part, "/");
		len = strcspn(part, "/");
		if ((len == 1 && part[0] == '.') || (len == 2 && part[0] == '.' && part[1] == '.'))
			return false;
		named = named || len > 0;
		part += len;
	}
	return named;
}

int
monitor_args_check(const MonitorArgs *args, char *error, size_t error_size)
{
	const struct {
		const char *name;
		const char *value;
		bool needed;
	} paths[] = {
		{ "--runtime", args->runtime, true },
		{ "--runtime-root", args->runtime_root, true },
		{ "--pid-file", args->pid_file, true },
		{ "--bundle", args->bundle, args->exec_argv == NULL },
		{ "--log-path", args->log_path, args->exec_argv == NULL },
		{ "--exit-file", args->exit_file, args->exec_argv == NULL },
		{ "--exec-dir", args->exec_dir, args->exec_argv != NULL },
		{ "--attach-path", args->attach_path, false },
		{ "--console-socket", args->console_socket, false },
	};

	if (error != NULL && error_size > 0)
		error[0] = '\0';
	if (args->id == NULL)
		return set_error(error, error_size, "--id is required");
	if (!container_id_is_valid(args->id))
		return set_error(error, error_size,
				 "invalid --id '%s': use 1-128 characters of [A-Za-z0-9_.-], not "
				 "starting with '.' or '-'",
				 args->id);
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		if (paths[i].value == NULL && !paths[i].needed)
			continue;
		if (paths[i].value == NULL)
			return set_error(error, error_size, "%s is required", paths[i].name);
		if (paths[i].value[0] != '/')
			return set_error(error, error_size, "%s must be an absolute path, not '%s'",
					 paths[i].name, paths[i].value);
	}
	if (args->exec_dir != NULL && (args->exec_argv == NULL || args->exec_argv[0] == NULL))
		return set_error(error, error_size, "exec mode needs a command after --");
	if (args->sync_fd < 0)
		return set_error(error, error_size, "--sync-fd is required");
	if (args->wait_fd >= 0 && args->wait_fd < 3)
		return set_error(error, error_size, "invalid --wait-fd '%d'", args->wait_fd);
	if (args->exec_timeout_sec < 0)
		return set_error(error, error_size, "invalid --exec-timeout '%" PRId64 "'",
				 args->exec_timeout_sec);
	if ((args->session_fd >= 0) != (args->control_fd >= 0) ||
	    (args->session_fd >= 0 && args->exec_dir == NULL))
		return set_error(error, error_size,
				 "--session-fd and --control-fd go together, in exec mode");
	if (args->exec_tty && args->session_fd < 0)
		return set_error(error, error_size, "--exec-tty needs --session-fd");
	if (args->terminal && args->console_socket == NULL)
		return set_error(error, error_size, "--terminal needs --console-socket");
	if (args->log_owner.set &&
	    (args->log_path == NULL || args->log_owner.uid == 0 ||
	     args->log_owner.uid == (uid_t)-1 || args->log_owner.gid == (gid_t)-1))
		return set_error(error, error_size,
				 "--log-owner needs --log-path and a non-root UID:GID");
	if (args->journald && (args->name == NULL || args->exec_argv != NULL))
		return set_error(error, error_size, "--journald needs --name, in create mode");
	if (args->cgroup_group != NULL && !cgroup_group_is_valid(args->cgroup_group))
		return set_error(error, error_size,
				 "invalid --cgroup-group '%s': an absolute path below the "
				 "hierarchies' roots, without '.' or '..' parts",
				 args->cgroup_group);
	if (args->cgroup_group != NULL && (args->exec_argv != NULL || args->systemd_cgroup))
		return set_error(error, error_size,
				 "--cgroup-group is for create mode, without --systemd-cgroup");
	if (args->bundle_files_fd >= 0 && args->exec_argv != NULL)
		return set_error(error, error_size, "--bundle-files-fd is for create mode");
	if (args->bundle_made && args->bundle_files_fd < 0)
		return set_error(error, error_size, "--bundle-made needs --bundle-files-fd");
	return 0;
}

void
monitor_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

static int
push(char **argv, size_t *n, const char *s)
{
	argv[*n] = strdup(s);
	if (argv[*n] == NULL)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static int
push_option(char **argv, size_t *n, const Option *o, const MonitorArgs *args)
{
	const char *field = (const char *)args + o->offset;
	char name[32];
	char number[32];
	int r;

	snprintf(name, sizeof name, "--%s", o->name);
	switch (o->kind) {
	case OPTION_STRING:
		if (*(const char *const *)field == NULL)
			return 0;
		r = push(argv, n, name);
		return r < 0 ? r : push(argv, n, *(const char *const *)field);
	case OPTION_FLAG:
		return *(const bool *)field ? push(argv, n, name) : 0;
	case OPTION_FD:
		if (*(const int *)field < 0)
			return 0;
		snprintf(number, sizeof number, "%d", *(const int *)field);
		break;
	case OPTION_INT64:
		if (*(const int64_t *)field == 0)
			return 0;
		snprintf(number, sizeof number, "%" PRId64, *(const int64_t *)field);
		break;
	case OPTION_OWNER:
		if (!((const MonitorOwner *)field)->set)
			return 0;
		snprintf(number, sizeof number, "%u:%u",
			 (unsigned)((const MonitorOwner *)field)->uid,
			 (unsigned)((const MonitorOwner *)field)->gid);
		break;
	default:
		return -EINVAL;
	}
	r = push(argv, n, name);
	return r < 0 ? r : push(argv, n, number);
}

int
monitor_args_encode(const MonitorArgs *args, const char *monitor_path, char ***ret_argv,
		    char *error, size_t error_size)
{
	size_t exec_argc = 0;
	size_t size;
	size_t n = 0;
	char **argv;
	int r;

	r = monitor_args_check(args, error, error_size);
	if (r < 0)
		return r;
	while (args->exec_argv != NULL && args->exec_argv[exec_argc] != NULL)
		exec_argc++;
	/* argv[0], two per option, "--", the command and the NULL. */
	size = 1 + 2 * N_OPTIONS + 1 + exec_argc + 1;
	argv = calloc(size, sizeof *argv);
	if (argv == NULL)
		return -ENOMEM;
	r = push(argv, &n, monitor_path);
	for (size_t i = 0; r == 0 && i < N_OPTIONS; i++)
		r = push_option(argv, &n, &options[i], args);
	if (r == 0 && args->exec_argv != NULL) {
		r = push(argv, &n, "--");
		for (size_t i = 0; r == 0 && i < exec_argc; i++)
			r = push(argv, &n, args->exec_argv[i]);
	}
	if (r < 0) {
		monitor_argv_free(argv);
		snprintf(error, error_size, "out of memory");
		return r;
	}
	*ret_argv = argv;
	return 0;
}

static const Option *
find_option(const char *name, size_t len)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (strlen(options[i].name) == len && memcmp(options[i].name, name, len) == 0)
			return &options[i];
	return NULL;
}

static void
store_option(const Option *o, const char *value, MonitorArgs *args, char *error, size_t error_size)
{
	char *field = (char *)args + o->offset;
	int64_t number;

	switch (o->kind) {
	case OPTION_STRING:
		*(const char **)field = value;
		return;
	case OPTION_FLAG:
		*(bool *)field = true;
		return;
	case OPTION_FD:
		if (parse_int64(value, &number) < 0 || number < o->min || number > INT32_MAX) {
			(void)set_error(error, error_size, "invalid --%s '%s'", o->name, value);
			return;
		}
		*(int *)field = (int)number;
		return;
	case OPTION_INT64:
		if (parse_int64(value, &number) < 0 || number < o->min) {
			(void)set_error(error, error_size, "invalid --%s '%s': expected %s",
					o->name, value, o->unit);
			return;
		}
		*(int64_t *)field = number;
		return;
	case OPTION_OWNER:
		if (parse_owner(value, (MonitorOwner *)field) < 0)
			(void)set_error(error, error_size,
					"invalid --%s '%s': expected UID:GID of a non-root user",
					o->name, value);
		return;
	default:
		return;
	}
}

int
monitor_args_decode(int argc, char *const *argv, MonitorArgs *args, char *error, size_t error_size)
{
	int i;

	*args = (MonitorArgs)MONITOR_ARGS_INIT;
	if (error != NULL && error_size > 0)
		error[0] = '\0';
	/* Errors are collected rather than returned at once: --sync-fd may come later on the
	 * command line, and the daemon should get the reason over it. */
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *value = NULL;
		const char *equals;
		const Option *o;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (strncmp(arg, "--", 2) != 0) {
			(void)set_error(error, error_size, "unexpected argument '%s'", arg);
			continue;
		}
		equals = strchr(arg + 2, '=');
		o = find_option(arg + 2,
				equals != NULL ? (size_t)(equals - arg - 2) : strlen(arg + 2));
		if (o == NULL) {
			(void)set_error(error, error_size, "unknown option '%s'", arg);
			continue;
		}
		if (o->kind == OPTION_FLAG) {
			if (equals != NULL)
				(void)set_error(error, error_size, "option '--%s' takes no value",
						o->name);
			else
				store_option(o, NULL, args, error, error_size);
			continue;
		}
		if (equals != NULL) {
			value = equals + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			(void)set_error(error, error_size, "option '%s' needs an argument", arg);
			continue;
		}
		store_option(o, value, args, error, error_size);
	}
	if (i < argc) {
		if (args->exec_dir == NULL)
			(void)set_error(error, error_size, "unexpected argument '%s'", argv[i]);
		else
			args->exec_argv = (const char *const *)argv + i;
	}
	if (error != NULL && error_size > 0 && error[0] != '\0')
		return -EINVAL;
	if (args->exec_dir != NULL && args->exec_argv == NULL)
		return set_error(error, error_size, "exec mode needs a command after --");
	return monitor_args_check(args, error, error_size);
}

static int
finish_format(int n, size_t size)
{
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENOSPC;
	return n;
}

int
monitor_answer_format_created(char *buf, size_t size, pid_t pid)
{
	if (pid <= 0)
		return -EINVAL;
	return finish_format(snprintf(buf, size, "ok %d\n", (int)pid), size);
}

int
monitor_answer_format_exec_result(char *buf, size_t size, int exit_code, bool timed_out)
{
	if (exit_code < 0 || exit_code > 255)
		return -EINVAL;
	return finish_format(snprintf(buf, size, "ok %d %d\n", exit_code, timed_out ? 1 : 0), size);
}

int
monitor_answer_format_error(char *buf, size_t size, const char *message)
{
	return finish_format(snprintf(buf, size, "error\n%s", message), size);
}

int
monitor_answer_format_cgroup_error(char *buf, size_t size, const char *message)
{
	return finish_format(snprintf(buf, size, "cgroup-error\n%s", message), size);
}

int
monitor_answer_format_bundle_error(char *buf, size_t size, int errnum, const char *path)
{
	if (errnum <= 0)
		return -EINVAL;
	return finish_format(snprintf(buf, size, "bundle-error %d\n%s", errnum, path), size);
}

/* A decimal number of [min, max] that fills exactly @len bytes of @text: no sign, no
 * blanks, no leading zeros. */
static bool
parse_bounded(const char *text, size_t len, int64_t min, int64_t max, int64_t *out)
{
	int64_t value = 0;

	if (len == 0 || len > 10 || (len > 1 && text[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		value = value * 10 + (text[i] - '0');
	}
	if (value < min || value > max)
		return false;
	*out = value;
	return true;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
monitor_answer_parse(const char *text, size_t len, MonitorAnswerKind ok_kind, MonitorAnswer *answer)
{
	const char *space;
	int64_t a, b;

	size_t prefix = 0;

	*answer = (MonitorAnswer){ .kind = MONITOR_ANSWER_ERROR };
	if (len == 0)
		return -ENODATA;
	if (len >= 6 && memcmp(text, "error\n", 6) == 0)
		prefix = 6;
	if (len >= 13 && memcmp(text, "cgroup-error\n", 13) == 0) {
		prefix = 13;
		answer->cgroup = true;
	}
	if (len >= 13 && memcmp(text, "bundle-error ", 13) == 0) {
		const char *newline = memchr(text + 13, '\n', len - 13);

		if (newline == NULL ||
		    !parse_bounded(text + 13, (size_t)(newline - text - 13), 1, INT32_MAX, &a))
			return -EBADMSG;
		answer->bundle_errno = (int)a;
		prefix = (size_t)(newline - text) + 1;
	}
	if (prefix > 0) {
		const char *start = text + prefix;
		const char *end = text + len;

		while (start < end && is_blank(*start))
			start++;
		while (end > start && is_blank(end[-1]))
			end--;
		answer->message = start;
		answer->message_len = (size_t)(end - start);
		return 0;
	}
	if (len < 4 || memcmp(text, "ok ", 3) != 0 || text[len - 1] != '\n')
		return -EBADMSG;
	text += 3;
	len -= 4; /* "ok " and the newline */
	switch (ok_kind) {
	case MONITOR_ANSWER_CREATED:
		if (!parse_bounded(text, len, 1, INT32_MAX, &a))
			return -EBADMSG;
		answer->kind = MONITOR_ANSWER_CREATED;
		answer->pid = (pid_t)a;
		return 0;
	case MONITOR_ANSWER_EXEC_RESULT:
		space = memchr(text, ' ', len);
		if (space == NULL || !parse_bounded(text, (size_t)(space - text), 0, 255, &a) ||
		    !parse_bounded(space + 1, len - (size_t)(space - text) - 1, 0, 1, &b))
			return -EBADMSG;
		answer->kind = MONITOR_ANSWER_EXEC_RESULT;
		answer->exit_code = (int)a;
		answer->timed_out = b == 1;
		return 0;
	case MONITOR_ANSWER_ERROR:
	default:
		return -EINVAL;
	}
}

int
monitor_exit_file_format(char *buf, size_t size, int exit_code, bool oom_killed)
{
	if (exit_code < 0 || exit_code > 255)
		return -EINVAL;
	return finish_format(snprintf(buf, size, "%d\n%s", exit_code, oom_killed ? "oom\n" : ""),
			     size);
}

int
monitor_exit_file_parse(const char *text, size_t len, int *exit_code, bool *oom_killed)
{
	const char *newline = memchr(text, '\n', len);
	size_t first = newline != NULL ? (size_t)(newline - text) : len;
	size_t rest = newline != NULL ? len - first - 1 : 0;
	int64_t code;

	if (!parse_bounded(text, first, 0, 255, &code))
		return -EBADMSG;
	if (rest == 0) {
		*oom_killed = false;
	} else if ((rest == 3 && memcmp(newline + 1, "oom", 3) == 0) ||
		   (rest == 4 && memcmp(newline + 1, "oom\n", 4) == 0)) {
		*oom_killed = true;
	} else {
		return -EBADMSG;
	}
	*exit_code = (int)code;
	return 0;
}

int
monitor_control_format_resize(char *buf, size_t size, unsigned rows, unsigned cols)
{
	int n;

	if (rows < 1 || rows > 65535 || cols < 1 || cols > 65535)
		return -EINVAL;
	n = snprintf(buf, size, "resize %u %u", rows, cols);
	return n >= 0 && (size_t)n < size ? n : -ENOSPC;
}

int
monitor_control_format_kill(char *buf, size_t size, int signal)
{
	int n;

	if (signal < 1 || signal > 64)
		return -EINVAL;
	n = snprintf(buf, size, "kill %d", signal);
	return n >= 0 && (size_t)n < size ? n : -ENOSPC;
}

int
monitor_control_format_started(char *buf, size_t size, pid_t pid)
{
	int n;

	if (pid <= 0)
		return -EINVAL;
	n = snprintf(buf, size, "started %d", (int)pid);
	return n >= 0 && (size_t)n < size ? n : -ENOSPC;
}

/* The decimal number at *@p up to a space or the end, within [min, max]. */
static int
parse_field(const char **p, const char *end, int64_t min, int64_t max, int64_t *value)
{
	char number[24];
	size_t len = 0;

	while (*p + len < end && (*p)[len] != ' ')
		len++;
	if (len == 0 || len >= sizeof number)
		return -EBADMSG;
	memcpy(number, *p, len);
	number[len] = '\0';
	if (number[0] == '-' || parse_int64(number, value) < 0 || *value < min || *value > max)
		return -EBADMSG;
	*p += len;
	if (*p < end)
		(*p)++; /* the space */
	return 0;
}

int
monitor_control_parse(const char *text, size_t len, MonitorControl *control)
{
	const char *end = text + len;
	const char *p;
	int64_t a = 0, b = 0;

	*control = (MonitorControl){ 0 };
	if (len > 7 && memcmp(text, "resize ", 7) == 0) {
		p = text + 7;
		if (parse_field(&p, end, 1, 65535, &a) < 0 || p == end ||
		    parse_field(&p, end, 1, 65535, &b) < 0 || p != end || end[-1] == ' ')
			return -EBADMSG;
		control->kind = MONITOR_CONTROL_RESIZE;
		control->rows = (unsigned)a;
		control->cols = (unsigned)b;
		return 0;
	}
	if (len > 5 && memcmp(text, "kill ", 5) == 0) {
		p = text + 5;
		if (parse_field(&p, end, 1, 64, &a) < 0 || p != end || end[-1] == ' ')
			return -EBADMSG;
		control->kind = MONITOR_CONTROL_KILL;
		control->signal = (int)a;
		return 0;
	}
	if (len > 8 && memcmp(text, "started ", 8) == 0) {
		p = text + 8;
		if (parse_field(&p, end, 1, INT32_MAX, &a) < 0 || p != end || end[-1] == ' ')
			return -EBADMSG;
		control->kind = MONITOR_CONTROL_STARTED;
		control->pid = (pid_t)a;
		return 0;
	}
	return -EBADMSG;
}
