#include "container-file.h"

#include "daemon/ids.h"
#include "daemon/process.h"

#include <signal.h>
#include <string.h>

G_DEFINE_QUARK(ocid - container - file - error - quark, ocid_container_file_error)

/* A whole file is small; a bigger one is a mistake (a log, a binary), not a container. */
#define MAX_FILE_SIZE (1024 * 1024)

/* What the administrator sees for a statement: file, line, key. */
typedef struct {
	const char *path;
	guint line;
	const char *key;
} Where;

static void
volume_free(OcidContainerVolume *volume)
{
	g_free(volume->host_path);
	g_free(volume->container_path);
	g_free(volume);
}

void
ocid_container_file_free(OcidContainerFile *file)
{
	if (file == NULL)
		return;
	g_free(file->path);
	g_free(file->unit_name);
	g_free(file->container_name);
	g_free(file->bundle);
	g_clear_pointer(&file->annotations, g_ptr_array_unref);
	g_clear_pointer(&file->labels, g_ptr_array_unref);
	g_clear_pointer(&file->env, g_ptr_array_unref);
	g_clear_pointer(&file->health, g_ptr_array_unref);
	g_clear_pointer(&file->volumes, g_ptr_array_unref);
	g_free(file->log_path);
	g_free(file->stop_signal);
	g_free(file->notify);
	g_clear_pointer(&file->unit_lines, g_ptr_array_unref);
	g_clear_pointer(&file->service_lines, g_ptr_array_unref);
	g_clear_pointer(&file->install_lines, g_ptr_array_unref);
	g_clear_pointer(&file->wanted_by, g_ptr_array_unref);
	g_clear_pointer(&file->required_by, g_ptr_array_unref);
	g_free(file);
}

static void G_GNUC_PRINTF(4, 5)
    fail_at(GError **error, OcidContainerFileError code, const Where *at, const char *format, ...)
{
	g_autofree char *text = NULL;
	va_list args;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	if (at->key != NULL)
		g_set_error(error, OCID_CONTAINER_FILE_ERROR, code, "%s:%u: %s=: %s", at->path,
			    at->line, at->key, text);
	else
		g_set_error(error, OCID_CONTAINER_FILE_ERROR, code, "%s:%u: %s", at->path, at->line,
			    text);
}

/* systemd's unit name characters (unit-name.c's VALID_CHARS) */
static gboolean
unit_chars_valid(const char *name)
{
	return name[0] != '\0' &&
	       strspn(name,
		      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\") ==
		   strlen(name);
}

gboolean
ocid_container_file_name_valid(const char *basename, GError **error)
{
	g_autofree char *name = NULL;

	if (!g_str_has_suffix(basename, ".container")) {
		g_set_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_INVALID,
			    "%s: not a .container file", basename);
		return FALSE;
	}
	name = g_strndup(basename, strlen(basename) - strlen(".container"));
	if (strchr(name, '@') != NULL) {
		g_set_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_UNSUPPORTED,
			    "%s: templates (NAME@.container) are not supported; no unit written",
			    basename);
		return FALSE;
	}
	if (!unit_chars_valid(name) || strlen(name) > 200) {
		g_set_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_INVALID,
			    "%s: '%s' is no valid unit name (letters, digits and ':-_.\\' only, "
			    "at most 200); no unit written",
			    basename, name);
		return FALSE;
	}
	return TRUE;
}

/* ocid's own rule for names (daemon/ids.h): a name it would refuse gets no unit. */
static gboolean
container_name_valid(const char *name)
{
	return ocid_check_name(name, NULL);
}

/* The value's words, with shell-like quoting as systemd's own list settings have. */
static char **
split_words(const char *value, const Where *at, GError **error)
{
	g_autoptr(GError) local = NULL;
	char **words = NULL;
	int count = 0;

	if (*value == '\0')
		return g_new0(char *, 1);
	if (!g_shell_parse_argv(value, &count, &words, &local)) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
			"cannot split '%s' into words: %s", value, local->message);
		return NULL;
	}
	return words;
}

static gboolean
is_pair(const char *word)
{
	const char *equals = strchr(word, '=');

	return equals != NULL && equals != word;
}

static gboolean
is_unit_name(const char *word)
{
	return unit_chars_valid(word) && strchr(word, '.') != NULL;
}

/* The value's words into @to, each checked by @valid; @what says what one should be. */
static gboolean
add_words(GPtrArray *to, const char *value, gboolean (*valid)(const char *), const char *what,
	  const Where *at, GError **error)
{
	g_auto(GStrv) words = split_words(value, at, error);

	if (words == NULL)
		return FALSE;
	for (char **w = words; *w != NULL; w++) {
		if (!valid(*w)) {
			fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at, "'%s' is not %s", *w,
				what);
			return FALSE;
		}
		g_ptr_array_add(to, g_strdup(*w));
	}
	return TRUE;
}

static gboolean
add_volume(OcidContainerFile *file, const char *value, const Where *at, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(value, ":", -1);
	guint n = g_strv_length(parts);
	OcidContainerVolume *volume;

	if (n < 2 || n > 3 || !g_path_is_absolute(parts[0]) || !g_path_is_absolute(parts[1]) ||
	    (n == 3 && !g_str_equal(parts[2], "ro") && !g_str_equal(parts[2], "rw"))) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
			"'%s' is not HOST-PATH:CONTAINER-PATH[:ro|rw] with absolute paths", value);
		return FALSE;
	}
	volume = g_new0(OcidContainerVolume, 1);
	volume->host_path = g_strdup(parts[0]);
	volume->container_path = g_strdup(parts[1]);
	volume->readonly = n == 3 && g_str_equal(parts[2], "ro");
	g_ptr_array_add(file->volumes, volume);
	return TRUE;
}

static gboolean
set_absolute(char **to, const char *value, const Where *at, GError **error)
{
	if (!g_path_is_absolute(value)) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
			"'%s' is not an absolute path", value);
		return FALSE;
	}
	g_free(*to);
	*to = g_strdup(value);
	return TRUE;
}

static gboolean
set_stop_timeout(OcidContainerFile *file, const char *value, const Where *at, GError **error)
{
	guint64 seconds;

	if (!g_ascii_string_to_unsigned(value, 10, 0, 24 * 3600, &seconds, NULL)) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
			"'%s' is not a number of seconds from 0 to 86400", value);
		return FALSE;
	}
	file->stop_timeout = (int)seconds;
	return TRUE;
}

static gboolean
set_stop_signal(OcidContainerFile *file, const char *value, const Where *at, GError **error)
{
	int number = ocid_signal_from_string(value);

	if (number < 0 || number == SIGKILL || number == SIGSTOP) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
			"'%s' is not a signal a container can be asked to stop with (e.g. SIGTERM, "
			"SIGINT, SIGQUIT, or a number)",
			value);
		return FALSE;
	}
	g_free(file->stop_signal);
	file->stop_signal = g_strdup(value);
	file->stop_signal_number = number;
	return TRUE;
}

/* [Container] keys that ocid knows and cannot honour yet, with what to do instead. */
static const struct {
	const char *key;
	const char *why;
} refused_keys[] = {
	/* A unit runs its container in the foreground: ocid's own restart under the same id
	 * would race the unit's end (ocictl run ends at the exit, and the unit removes the
	 * container); systemd's Restart= restarts the whole unit instead. */
	{ "Restart", "a unit's container is restarted by systemd, not by ocid's restart policy; "
		     "use Restart= in [Service] (e.g. Restart=on-failure)" },
	{ "HealthStartupCmd", "ocid has no startup health checks" },
	{ "EnvironmentFile", "ocid reads no environment files; list the variables with "
			     "Environment=NAME=VALUE" },
	{ "Image", "ocid runs OCI bundles, not images; unpack the image (umoci unpack) and give "
		   "the directory as Bundle=" },
};

/* HealthCmd= and its companions become ocictl's podman-spelled flags, which ocid checks
 * (a bad interval fails the unit's start with ocid's message). */
static gboolean
set_health(OcidContainerFile *file, const char *flag, const char *value, const Where *at,
	   GError **error)
{
	if (*value == '\0') {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at, "empty");
		return FALSE;
	}
	g_ptr_array_add(file->health, g_strdup(flag));
	g_ptr_array_add(file->health, g_strdup(value));
	return TRUE;
}

static gboolean
set_health_on_failure(OcidContainerFile *file, const char *value, const Where *at, GError **error)
{
	if (g_str_equal(value, "restart")) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_UNSUPPORTED, at,
			"not supported: a unit's container is restarted by systemd: use "
			"HealthOnFailure=kill "
			"with Restart=on-failure in [Service]");
		return FALSE;
	}
	if (!g_str_equal(value, "none") && !g_str_equal(value, "kill") &&
	    !g_str_equal(value, "stop")) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
			"'%s' is not one of none, kill, stop", value);
		return FALSE;
	}
	return set_health(file, "--health-on-failure", value, at, error);
}

/* A HealthCmd= other than none was given. */
static gboolean
has_health_cmd(const OcidContainerFile *file)
{
	for (guint i = 0; i + 1 < file->health->len; i += 2)
		if (g_str_equal(g_ptr_array_index(file->health, i), "--health-cmd") &&
		    !g_str_equal(g_ptr_array_index(file->health, i + 1), "none"))
			return TRUE;
	return FALSE;
}

/* ocictl run --sdnotify: when the unit becomes active. */
static gboolean
set_notify(OcidContainerFile *file, const char *value, const Where *at, GError **error)
{
	if (!g_str_equal(value, "running") && !g_str_equal(value, "ready") &&
	    !g_str_equal(value, "healthy")) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
			"'%s' is not one of running, ready, healthy", value);
		return FALSE;
	}
	g_free(file->notify);
	file->notify = g_strdup(value);
	file->notify_line = at->line;
	return TRUE;
}

static gboolean
set_log_driver(OcidContainerFile *file, const char *value, const Where *at, GError **error)
{
	file->journald = g_str_equal(value, "journald");
	if (g_str_equal(value, "k8s-file") || file->journald)
		return TRUE;
	fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
		"'%s' is not one of k8s-file, journald", value);
	return FALSE;
}

static gboolean
container_key(OcidContainerFile *file, const char *key, const char *value, const Where *at,
	      GError **error)
{
	if (g_str_equal(key, "Bundle"))
		return set_absolute(&file->bundle, value, at, error);
	if (g_str_equal(key, "Name")) {
		if (!container_name_valid(value)) {
			fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
				"'%s' is not a container name (a letter or digit, then letters, "
				"digits, '_', '.', '-')",
				value);
			return FALSE;
		}
		g_free(file->container_name);
		file->container_name = g_strdup(value);
		return TRUE;
	}
	if (g_str_equal(key, "Annotation"))
		return add_words(file->annotations, value, is_pair, "KEY=VALUE", at, error);
	if (g_str_equal(key, "Label"))
		return add_words(file->labels, value, is_pair, "KEY=VALUE", at, error);
	if (g_str_equal(key, "HealthCmd"))
		return set_health(file, "--health-cmd", value, at, error);
	if (g_str_equal(key, "HealthInterval"))
		return set_health(file, "--health-interval", value, at, error);
	if (g_str_equal(key, "HealthRetries"))
		return set_health(file, "--health-retries", value, at, error);
	if (g_str_equal(key, "HealthStartPeriod"))
		return set_health(file, "--health-start-period", value, at, error);
	if (g_str_equal(key, "HealthTimeout"))
		return set_health(file, "--health-timeout", value, at, error);
	if (g_str_equal(key, "HealthOnFailure"))
		return set_health_on_failure(file, value, at, error);
	if (g_str_equal(key, "Environment"))
		return add_words(file->env, value, is_pair, "NAME=VALUE", at, error);
	if (g_str_equal(key, "Volume"))
		return add_volume(file, value, at, error);
	if (g_str_equal(key, "LogPath"))
		return set_absolute(&file->log_path, value, at, error);
	if (g_str_equal(key, "LogDriver"))
		return set_log_driver(file, value, at, error);
	if (g_str_equal(key, "StopSignal"))
		return set_stop_signal(file, value, at, error);
	if (g_str_equal(key, "StopTimeout"))
		return set_stop_timeout(file, value, at, error);
	if (g_str_equal(key, "Notify"))
		return set_notify(file, value, at, error);
	for (gsize i = 0; i < G_N_ELEMENTS(refused_keys); i++)
		if (g_str_equal(key, refused_keys[i].key)) {
			fail_at(error, OCID_CONTAINER_FILE_ERROR_UNSUPPORTED, at,
				"not supported: %s", refused_keys[i].why);
			return FALSE;
		}
	fail_at(error, OCID_CONTAINER_FILE_ERROR_UNKNOWN, at,
		"unknown key in [Container] (ocid.container(5) lists the keys)");
	return FALSE;
}

typedef enum {
	SECTION_NONE,
	SECTION_CONTAINER,
	SECTION_UNIT,
	SECTION_SERVICE,
	SECTION_INSTALL
} Section;

static gboolean
pass_through(OcidContainerFile *file, Section section, const char *key, const char *value,
	     const Where *at, GError **error)
{
	static const char *const generated[] = { "Type", "ExecStart", "ExecStop", NULL };

	switch (section) {
	case SECTION_UNIT:
		g_ptr_array_add(file->unit_lines, g_strdup_printf("%s=%s", key, value));
		return TRUE;
	case SECTION_SERVICE:
		if (g_strv_contains(generated, key)) {
			fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, at,
				"the generator writes this key of the service itself; describe the "
				"container in [Container] instead");
			return FALSE;
		}
		g_ptr_array_add(file->service_lines, g_strdup_printf("%s=%s", key, value));
		return TRUE;
	case SECTION_INSTALL:
		/* Each target named gets a symlink to the unit. */
		if (g_str_equal(key, "WantedBy") &&
		    !add_words(file->wanted_by, value, is_unit_name,
			       "a unit name (e.g. multi-user.target)", at, error))
			return FALSE;
		if (g_str_equal(key, "RequiredBy") &&
		    !add_words(file->required_by, value, is_unit_name,
			       "a unit name (e.g. multi-user.target)", at, error))
			return FALSE;
		g_ptr_array_add(file->install_lines, g_strdup_printf("%s=%s", key, value));
		return TRUE;
	case SECTION_NONE:
	case SECTION_CONTAINER:
		break;
	}
	g_assert_not_reached();
}

static gboolean
parse_section(const char *line, Section *section, const Where *at, GError **error)
{
	static const struct {
		const char *name;
		Section section;
	} sections[] = {
		{ "[Container]", SECTION_CONTAINER },
		{ "[Unit]", SECTION_UNIT },
		{ "[Service]", SECTION_SERVICE },
		{ "[Install]", SECTION_INSTALL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(sections); i++)
		if (g_str_equal(line, sections[i].name)) {
			*section = sections[i].section;
			return TRUE;
		}
	fail_at(error, OCID_CONTAINER_FILE_ERROR_UNKNOWN, at,
		"unknown section %s (a .container file has [Unit], [Container], [Service] and "
		"[Install])",
		line);
	return FALSE;
}

/* One KEY=VALUE in @section; at->key is set to KEY for the messages. */
static gboolean
parse_assignment(OcidContainerFile *file, Section section, char *line, Where *at, GError **error)
{
	char *equals = strchr(line, '=');
	const char *value;

	if (equals == NULL) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_SYNTAX, at,
			"'%s' is not KEY=VALUE, a [Section] or a comment", line);
		return FALSE;
	}
	*equals = '\0';
	g_strchomp(line);
	value = g_strchug(equals + 1);
	if (*line == '\0' || strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789-") != strlen(line)) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_SYNTAX, at, "'%s' is not a key name",
			line);
		return FALSE;
	}
	at->key = line;
	if (section == SECTION_NONE) {
		fail_at(error, OCID_CONTAINER_FILE_ERROR_SYNTAX, at,
			"comes before any section; start with [Unit] or [Container]");
		return FALSE;
	}
	if (section == SECTION_CONTAINER)
		return container_key(file, line, value, at, error);
	return pass_through(file, section, line, value, at, error);
}

OcidContainerFile *
ocid_container_file_parse(const char *path, const char *text, GError **error)
{
	g_autoptr(OcidContainerFile) file = g_new0(OcidContainerFile, 1);
	g_autofree char *basename = g_path_get_basename(path);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint container_line = 0;
	Section section = SECTION_NONE;

	file->path = g_strdup(path);
	file->annotations = g_ptr_array_new_with_free_func(g_free);
	file->labels = g_ptr_array_new_with_free_func(g_free);
	file->env = g_ptr_array_new_with_free_func(g_free);
	file->health = g_ptr_array_new_with_free_func(g_free);
	file->volumes = g_ptr_array_new_with_free_func((GDestroyNotify)volume_free);
	file->unit_lines = g_ptr_array_new_with_free_func(g_free);
	file->service_lines = g_ptr_array_new_with_free_func(g_free);
	file->install_lines = g_ptr_array_new_with_free_func(g_free);
	file->wanted_by = g_ptr_array_new_with_free_func(g_free);
	file->required_by = g_ptr_array_new_with_free_func(g_free);
	file->stop_signal_number = SIGTERM;
	file->stop_timeout = -1;
	if (!ocid_container_file_name_valid(basename, error))
		return NULL;
	file->unit_name = g_strdup_printf("%.*s.service",
					  (int)(strlen(basename) - strlen(".container")), basename);

	for (guint i = 0; lines[i] != NULL; i++) {
		Where at = { .path = path, .line = i + 1 };
		g_autoptr(GString) statement = g_string_new(lines[i]);

		/* systemd joins a line ending in a backslash with the next, with a space. */
		while (statement->len > 0 && statement->str[statement->len - 1] == '\\' &&
		       lines[i + 1] != NULL) {
			g_string_truncate(statement, statement->len - 1);
			g_string_append_c(statement, ' ');
			g_string_append(statement, lines[++i]);
		}
		g_strstrip(statement->str);
		if (statement->str[0] == '\0' || statement->str[0] == '#' ||
		    statement->str[0] == ';')
			continue;
		if (statement->str[0] == '[') {
			if (!parse_section(statement->str, &section, &at, error))
				return NULL;
			if (section == SECTION_CONTAINER && container_line == 0)
				container_line = at.line;
			continue;
		}
		if (!parse_assignment(file, section, statement->str, &at, error))
			return NULL;
	}
	if (file->bundle == NULL) {
		Where at = { .path = path, .line = MAX(container_line, 1), .key = "Bundle" };
		fail_at(error, OCID_CONTAINER_FILE_ERROR_MISSING, &at,
			"missing; a [Container] section must name the OCI bundle to run "
			"(Bundle=/path/to/bundle)");
		return NULL;
	}
	if (file->journald && file->log_path != NULL) {
		Where at = { .path = path, .line = MAX(container_line, 1), .key = "LogDriver" };
		fail_at(error, OCID_CONTAINER_FILE_ERROR_INVALID, &at,
			"journald does not go with LogPath=: the journal is where the lines go");
		return NULL;
	}
	if (g_strcmp0(file->notify, "healthy") == 0 && !has_health_cmd(file)) {
		Where at = { .path = path, .line = file->notify_line, .key = "Notify" };
		fail_at(error, OCID_CONTAINER_FILE_ERROR_MISSING, &at,
			"healthy needs a health check: set HealthCmd=");
		return NULL;
	}
	if (file->container_name == NULL)
		file->container_name =
		    g_strndup(file->unit_name, strlen(file->unit_name) - strlen(".service"));
	if (!container_name_valid(file->container_name)) {
		Where at = { .path = path, .line = container_line, .key = "Name" };
		fail_at(error, OCID_CONTAINER_FILE_ERROR_MISSING, &at,
			"missing, and the file's name '%s' is no container name; set Name=",
			file->container_name);
		return NULL;
	}
	return g_steal_pointer(&file);
}

OcidContainerFile *
ocid_container_file_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &text, &length, &local)) {
		g_set_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_READ,
			    "%s: cannot read it: %s", path, local->message);
		return NULL;
	}
	if (length > MAX_FILE_SIZE || strlen(text) != length) {
		g_set_error(error, OCID_CONTAINER_FILE_ERROR, OCID_CONTAINER_FILE_ERROR_INVALID,
			    "%s: not a text file of at most 1 MiB", path);
		return NULL;
	}
	return ocid_container_file_parse(path, text, error);
}
