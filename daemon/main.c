/* ocid: the container supervisor daemon. Everything but this file lives in ocid-core. */
#define G_LOG_DOMAIN "ocid"

#include "../dbus/service.h"
#include "config.h"
#include "log.h"
#include "manager.h"

#include "build-config.h"

#include <glib-unix.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>

static gboolean
on_quit_signal(gpointer user_data)
{
	GMainLoop *loop = user_data;

	g_message("Shutting down; containers keep running and are found again at next start");
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

typedef struct {
	GMainLoop *loop;
	gboolean bus_lost;
} MainState;

/* Unreachable is worse than dead: exit non-zero, so that systemd's Restart=on-failure
 * (or the next bus activation) brings up a daemon that clients can reach again. */
static gboolean
on_bus_lost(gpointer user_data)
{
	MainState *state = user_data;

	state->bus_lost = TRUE;
	g_main_loop_quit(state->loop);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	g_autofree char *config_path = NULL;
	gboolean version = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
		  "Configuration file (default " OCID_SYSCONFDIR "/ocid/ocid.conf)", "FILE" },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit",
		  NULL },
		{ NULL },
	};
	g_autoptr(GOptionContext) options = g_option_context_new("- OCI container supervisor");
	g_autoptr(GError) error = NULL;
	g_autoptr(OcidConfig) config = NULL;
	g_autoptr(OcidManager) manager = NULL;
	g_autoptr(OcidBusService) service = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	MainState state = { 0 };

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(options, entries, NULL);
	if (!g_option_context_parse(options, &argc, &argv, &error)) {
		g_printerr("ocid: %s\n", error->message);
		return EXIT_FAILURE;
	}
	if (version) {
		g_print("ocid %s\n", OCID_VERSION);
		return EXIT_SUCCESS;
	}
	/* A client that goes away mid-reply must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	/* Buffers of MiBs (ExecSync output, a refused 1 MiB config.json) are mapped and
	 * unmapped, never kept in the heap: glibc would otherwise raise its threshold after
	 * the first one and keep the next ones, and the daemon's RSS would grow by each
	 * caller's largest output (issue 10). */
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/* One heap for all threads. The worker threads (file loads as the caller, GLib's
	 * worker) keep nothing, but the main loop frees what they allocate, and its tcache
	 * hands those chunks to its own lasting objects: their second arena grew by some
	 * 0.1-0.2 KiB a container in the scale benchmark; one heap does not. */
	(void)mallopt(M_ARENA_MAX, 1);

	config = ocid_config_load(config_path, config_path == NULL, &error);
	if (config == NULL) {
		g_printerr("ocid: bad configuration: %s\n", error->message);
		return EXIT_FAILURE;
	}
	/* While the daemon has one thread: the signal watches below start GLib's worker. */
	ocid_manager_reserve_fds(config);

	/* Before the slow parts (restore), so that a stop request meanwhile is honoured
	 * cleanly rather than killing the daemon halfway. */
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_quit_signal, loop);
	g_unix_signal_add(SIGINT, on_quit_signal, loop);
	manager = ocid_manager_new(config, &error);
	if (manager == NULL) {
		g_printerr("ocid: %s\n", error->message);
		return EXIT_FAILURE;
	}
	service = ocid_bus_service_new(manager, &error);
	if (service == NULL) {
		g_printerr("ocid: %s\n", error->message);
		return EXIT_FAILURE;
	}
	state.loop = loop;
	ocid_bus_service_on_lost(service, on_bus_lost, &state);
	ocid_manager_restore(manager);
	/* The name last: a client that reaches us sees every container already there. */
	if (!ocid_bus_service_request_name(service, &error)) {
		g_printerr("ocid: %s\n", error->message);
		return EXIT_FAILURE;
	}

	g_log_structured(
	    G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "MESSAGE_ID", OCID_MESSAGE_DAEMON_STARTED, "MESSAGE",
	    "ocid %s ready on %s with runtime %s (%s), cgroup manager %s, %u "
	    "containers",
	    OCID_VERSION, OCID_BUS_NAME, config->runtime_path,
	    ocid_manager_get_runtime_version(manager) != NULL
		? ocid_manager_get_runtime_version(manager)
		: "not usable",
	    ocid_manager_get_cgroup_manager_name(manager), ocid_manager_count(manager));
	(void)sd_notifyf(0, "READY=1\nSTATUS=Supervising %u containers",
			 ocid_manager_count(manager));
	g_main_loop_run(loop);
	(void)sd_notify(0, "STOPPING=1");
	ocid_manager_shutdown(manager);
	if (state.bus_lost) {
		g_warning("ocid exits with a failure because its D-Bus connection is lost; "
			  "containers keep running and are found again at next start");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
