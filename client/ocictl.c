/* ocictl: the command-line client of ocid. This file is the entry: the global options
 * (which work without a bus), the command table and the exit code of a failure. */
#include "build-config.h"
#include "ctl.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const OcictlCommand ocictl_commands[] = {
	{ "list", "ps", "List containers", ocictl_cmd_list },
	{ "inspect", NULL, "Show every property of containers, as JSON", ocictl_cmd_inspect },
	{ "status", NULL, "Show a container's state in a few lines", ocictl_cmd_status },
	{ "create", NULL, "Create a container from an image or an OCI bundle", ocictl_cmd_create },
	{ "run", NULL, "Create and start a container, showing its output", ocictl_cmd_run },
	{ "start", NULL, "Start created containers", ocictl_cmd_start },
	{ "stop", NULL, "Stop containers (stop signal, then SIGKILL)", ocictl_cmd_stop },
	{ "kill", NULL, "Send a signal to containers", ocictl_cmd_kill },
	{ "rm", NULL, "Remove containers", ocictl_cmd_rm },
	{ "pause", NULL, "Freeze containers", ocictl_cmd_pause },
	{ "unpause", NULL, "Thaw paused containers", ocictl_cmd_unpause },
	{ "wait", NULL, "Wait for containers to stop and print their exit codes", ocictl_cmd_wait },
	{ "exec", NULL, "Run a command in a running container", ocictl_cmd_exec },
	{ "logs", NULL, "Show a container's output", ocictl_cmd_logs },
	{ "attach", NULL, "Attach the terminal to a container", ocictl_cmd_attach },
	{ "events", NULL, "Show what happens to containers as it happens", ocictl_cmd_events },
	{ "update", NULL, "Change a container's resource limits", ocictl_cmd_update },
	{ "healthcheck", NULL, "Run a container's health check now", ocictl_cmd_healthcheck },
	{ "stats", NULL, "Show containers' memory, cpu and pids", ocictl_cmd_stats },
	{ "pull", NULL, "Bring an image into your image store", ocictl_cmd_pull },
	{ "images", NULL, "List the images in your store", ocictl_cmd_images },
	{ "rmi", NULL, "Remove images from your store", ocictl_cmd_rmi },
	{ "image", NULL, "Manage images: inspect, prune, ls, rm, pull", ocictl_cmd_image },
	{ "version", NULL, "Show the versions of ocictl and ocid", ocictl_cmd_version },
	{ NULL, NULL, NULL, NULL },
};

static void
print_help(void)
{
	g_print("Usage:\n  ocictl [-H [USER@]HOST[:PORT] | --address=ADDRESS] [--no-ask-password] "
		"COMMAND "
		"[OPTION…]\n\n"
		"Drives ocid, the OCI container supervisor, over D-Bus. A container is named by "
		"its name,\nits id or a unique start of its id.\n\nCommands:\n");
	for (const OcictlCommand *c = ocictl_commands; c->name != NULL; c++) {
		g_autofree char *name = c->alias != NULL
					    ? g_strdup_printf("%s, %s", c->name, c->alias)
					    : g_strdup(c->name);
		g_print("  %-12s %s\n", name, c->summary);
	}
	g_print("\nGlobal options:\n"
		"  --address=ADDRESS   the D-Bus address of ocid's bus (default: the system "
		"bus,\n                      or DBUS_SYSTEM_BUS_ADDRESS)\n"
		"  -H, --host=[USER@]HOST[:PORT]\n"
		"                      ocid on HOST, over ssh (as systemctl -H); logs, attach,\n"
		"                      exec and run without --detach need a local bus\n"
		"  --no-ask-password   never start a polkit agent to ask for a password\n"
		"  -h, --help          this help; 'ocictl COMMAND --help' for a command's\n"
		"  --version           ocictl's version\n\n"
		"Exit codes: 0 success, 125 ocictl's own error, 126 a command that cannot be "
		"invoked,\n127 a command that is not found, otherwise the container's or "
		"command's own;\nfor images: 120 unknown, 121 registry unreachable, 122 "
		"corrupt, 123 disk full.\nSee ocictl(1).\n");
}

static const OcictlCommand *
find_command(const char *name)
{
	for (const OcictlCommand *c = ocictl_commands; c->name != NULL; c++)
		if (g_str_equal(c->name, name) || (c->alias != NULL && g_str_equal(c->alias, name)))
			return c;
	return NULL;
}

static int
exit_code_of(const GError *error)
{
	if (error->domain == OCICTL_ERROR && error->code == OCICTL_ERROR_CANNOT_INVOKE)
		return OCICTL_EXIT_CANNOT_INVOKE;
	if (error->domain != OCICTL_ERROR)
		return OCICTL_EXIT_ERROR;
	switch (error->code) {
	case OCICTL_ERROR_NOT_FOUND:
		return OCICTL_EXIT_NOT_FOUND;
	case OCICTL_ERROR_IMAGE_UNKNOWN:
		return OCICTL_EXIT_IMAGE_UNKNOWN;
	case OCICTL_ERROR_REGISTRY:
		return OCICTL_EXIT_REGISTRY;
	case OCICTL_ERROR_IMAGE_CORRUPT:
		return OCICTL_EXIT_IMAGE_CORRUPT;
	case OCICTL_ERROR_NO_SPACE:
		return OCICTL_EXIT_NO_SPACE;
	default:
		break;
	}
	return OCICTL_EXIT_ERROR;
}

int
main(int argc, char **argv)
{
	Ctl ctl = { .ask_password = TRUE };
	g_autoptr(GError) error = NULL;
	const OcictlCommand *command;
	int first = 1, status;

	setlocale(LC_ALL, "");
	/* A reader that goes away (ocictl logs | head) ends ocictl quietly. */
	signal(SIGPIPE, SIG_DFL);
	for (; first < argc && argv[first][0] == '-'; first++) {
		const char *a = argv[first];
		if (g_str_equal(a, "--help") || g_str_equal(a, "-h")) {
			print_help();
			return EXIT_SUCCESS;
		} else if (g_str_equal(a, "--version")) {
			g_print("ocictl %s\n", OCID_VERSION);
			return EXIT_SUCCESS;
		} else if (g_str_equal(a, "--no-ask-password")) {
			ctl.ask_password = FALSE;
		} else if (g_str_has_prefix(a, "--host=")) {
			g_free(ctl.host);
			ctl.host = g_strdup(a + strlen("--host="));
		} else if ((g_str_equal(a, "--host") || g_str_equal(a, "-H")) && first + 1 < argc) {
			g_free(ctl.host);
			ctl.host = g_strdup(argv[++first]);
		} else if (g_str_has_prefix(a, "-H") && a[2] != '\0') {
			g_free(ctl.host);
			ctl.host = g_strdup(a + 2);
		} else if (g_str_has_prefix(a, "--address=")) {
			g_free(ctl.address);
			ctl.address = g_strdup(a + strlen("--address="));
		} else if (g_str_equal(a, "--address") && first + 1 < argc) {
			g_free(ctl.address);
			ctl.address = g_strdup(argv[++first]);
		} else {
			g_printerr("ocictl: unknown option '%s'\nSee 'ocictl --help'.\n", a);
			return OCICTL_EXIT_ERROR;
		}
	}
	if (ctl.host != NULL && ctl.address != NULL) {
		g_printerr("ocictl: --host and --address name two buses; give one\n");
		return OCICTL_EXIT_ERROR;
	}
	/* A polkit agent here cannot answer for a caller on another host (systemctl -H starts
	 * none either). */
	if (ctl.host != NULL)
		ctl.ask_password = FALSE;
	if (first >= argc) {
		g_printerr("ocictl: no command given\nSee 'ocictl --help'.\n");
		return OCICTL_EXIT_ERROR;
	}
	command = find_command(argv[first]);
	if (command == NULL) {
		g_printerr("ocictl: unknown command '%s'\nSee 'ocictl --help'.\n", argv[first]);
		return OCICTL_EXIT_ERROR;
	}
	ctl.command = command->name;
	/* Commands whose whole point is a file descriptor from ocid fail before they act. */
	if (g_strv_contains((const char *const[]){ "logs", "attach", "exec", NULL },
			    command->name) &&
	    !ocictl_check_local(&ctl, &error)) {
		g_printerr("ocictl %s: %s\n", command->name, error->message);
		return OCICTL_EXIT_ERROR;
	}
	/* The command sees "ocictl NAME" as argv[0]. */
	argv[first] = g_strdup_printf("ocictl %s", command->name);
	status = command->run(&ctl, argc - first, argv + first, &error);
	g_free(argv[first]);
	if (error != NULL) {
		ocictl_phrase_error(&ctl, NULL, error);
		g_printerr("ocictl %s: %s\n", command->name, error->message);
		status = exit_code_of(error);
	}
	ocictl_agent_stop(&ctl);
	g_clear_object(&ctl.bus);
	g_free(ctl.address);
	g_free(ctl.host);
	return status;
}
