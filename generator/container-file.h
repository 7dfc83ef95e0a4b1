/* A declarative container: one NAME.container file (ocid.container(5)) read into what the
 * unit writer needs. The module owns the file's syntax (systemd's unit-file syntax: sections,
 * KEY=VALUE, comments, backslash continuations) and the meaning of the [Container] keys;
 * [Unit], [Service] and [Install] lines are kept as written, to be passed through. Every
 * error names the file, the line and the key, so that an administrator finds it from the
 * message alone. */
#pragma once

#include <glib.h>

#define OCID_CONTAINER_FILE_ERROR (ocid_container_file_error_quark())
GQuark ocid_container_file_error_quark(void);

typedef enum {
	OCID_CONTAINER_FILE_ERROR_SYNTAX,      /* not a section, comment or KEY=VALUE */
	OCID_CONTAINER_FILE_ERROR_UNKNOWN,     /* a key or section ocid does not know */
	OCID_CONTAINER_FILE_ERROR_INVALID,     /* a known key with a bad value */
	OCID_CONTAINER_FILE_ERROR_UNSUPPORTED, /* a known key ocid cannot honour yet */
	OCID_CONTAINER_FILE_ERROR_MISSING,     /* a required key is absent */
	OCID_CONTAINER_FILE_ERROR_READ,        /* the file cannot be read */
} OcidContainerFileError;

typedef struct {
	char *host_path;
	char *container_path;
	gboolean readonly;
} OcidContainerVolume;

typedef struct {
	char *path;             /* the .container file */
	char *unit_name;        /* NAME.service */
	char *container_name;   /* Name=, else NAME */
	char *bundle;           /* Bundle=, absolute */
	GPtrArray *annotations; /* "KEY=VALUE" */
	GPtrArray *labels;      /* "KEY=VALUE" */
	GPtrArray *env;         /* Environment=: "NAME=VALUE" for the container */
	GPtrArray *health;      /* HealthCmd= and companions: ocictl flag, value, ... */
	GPtrArray *volumes;     /* OcidContainerVolume */
	char *log_path;         /* LogPath=, or NULL */
	gboolean journald;      /* LogDriver=journald */
	char *stop_signal;      /* StopSignal= as written, or NULL */
	int stop_signal_number; /* its number; SIGTERM when unset */
	int stop_timeout;       /* StopTimeout=, seconds; -1 when unset */
	char *notify;           /* Notify=: running (default), ready or healthy */
	int notify_line;        /* where Notify= was set, for a later complaint */
	/* The pass-through sections, each line as "KEY=VALUE". */
	GPtrArray *unit_lines;
	GPtrArray *service_lines;
	GPtrArray *install_lines;
	/* [Install]'s WantedBy= and RequiredBy=: the targets whose .wants/.requires the
	 * generator links the unit into (a generated unit cannot be enabled). */
	GPtrArray *wanted_by;
	GPtrArray *required_by;
} OcidContainerFile;

/* The stop timeout when StopTimeout= is not given, as 'ocictl stop' has it. */
#define OCID_CONTAINER_DEFAULT_STOP_TIMEOUT 10

void ocid_container_file_free(OcidContainerFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OcidContainerFile, ocid_container_file_free)

/* Whether @basename (NAME.container) names a unit ocid can write: NAME is a valid unit name
 * prefix without a template's '@'. */
gboolean ocid_container_file_name_valid(const char *basename, GError **error);

/* Parses @text as the contents of @path. The error message starts with "PATH:LINE: KEY=:"
 * (or "PATH:" for what concerns the whole file). */
OcidContainerFile *ocid_container_file_parse(const char *path, const char *text, GError **error);

/* Reads and parses @path. */
OcidContainerFile *ocid_container_file_load(const char *path, GError **error);
