/* ocictl -H [USER@]HOST[:PORT]: ocid's bus on another host, reached over ssh as systemctl -H
 * reaches systemd. sd-bus's sd_bus_open_system_remote() connects to the address
 * "unixexec:path=ssh,argv1=-xT,...,argvN=systemd-stdio-bridge"; GDBus, which ocictl speaks,
 * has no unixexec transport, so ocictl runs the same ssh command line itself on one end of
 * a socketpair and speaks D-Bus on the other. The remote side is the same: sshd runs
 * systemd-stdio-bridge as USER, which joins the remote system bus as that user. */
#include "ctl.h"

#include <gio/gunixconnection.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* [USER@]HOST[:PORT] (an IPv6 HOST in brackets) into ssh's destination and port. */
static gboolean
split_host(const char *text, char **destination, char **port, GError **error)
{
	const char *at = strrchr(text, '@');
	const char *host = at != NULL ? at + 1 : text;
	const char *colon = NULL;
	guint64 number;

	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		if (close != NULL && (close[1] == '\0' || close[1] == ':'))
			colon = close[1] == ':' ? close + 1 : NULL;
		else
			host = ""; /* refused below */
	} else {
		colon = strchr(host, ':');
	}
	if (host[0] == '\0' || host[0] == '-' || host[0] == ':' || (at != NULL && at == text)) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
			    "-H takes [USER@]HOST[:PORT], not '%s'", text);
		return FALSE;
	}
	if (colon != NULL && !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &number, NULL)) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_USAGE,
			    "-H '%s': the port must be a number from 1 to 65535", text);
		return FALSE;
	}
	*port = colon != NULL ? g_strdup(colon + 1) : NULL;
	*destination = colon != NULL ? g_strndup(text, colon - text) : g_strdup(text);
	if ((*destination)[strlen(*destination) - 1] == ']' && strchr(host, '[') != NULL) {
		/* ssh takes an IPv6 address without brackets. */
		GString *plain = g_string_new(NULL);
		for (const char *p = *destination; *p != '\0'; p++)
			if (*p != '[' && *p != ']')
				g_string_append_c(plain, *p);
		g_free(*destination);
		*destination = g_string_free(plain, FALSE);
	}
	return TRUE;
}

GDBusConnection *
ocictl_remote_bus(const char *host, GError **error)
{
	g_autofree char *destination = NULL, *port = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketConnection) stream = NULL;
	g_autoptr(GError) local = NULL;
	GDBusConnection *bus;
	int pair[2];
	GPid pid;

	if (!split_host(host, &destination, &port, error))
		return NULL;
	/* sd-bus's command line (bus_set_address_system_remote()). */
	g_ptr_array_add(argv, "ssh");
	g_ptr_array_add(argv, "-xT");
	if (port != NULL) {
		g_ptr_array_add(argv, "-p");
		g_ptr_array_add(argv, port);
	}
	g_ptr_array_add(argv, "--");
	g_ptr_array_add(argv, destination);
	g_ptr_array_add(argv, "systemd-stdio-bridge");
	g_ptr_array_add(argv, NULL);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "cannot make a socket for ssh: %s", g_strerror(errno));
		return NULL;
	}
	/* ssh's stderr stays ours: its questions and errors are for the user. Without
	 * DO_NOT_REAP_CHILD, GLib leaves no zombie; ssh ends when ocictl closes its end. */
	if (!g_spawn_async_with_fds(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL,
				    NULL, &pid, pair[1], pair[1], -1, &local)) {
		close(pair[0]);
		close(pair[1]);
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "cannot run ssh for -H %s: %s", host, local->message);
		return NULL;
	}
	close(pair[1]);
	socket = g_socket_new_from_fd(pair[0], &local);
	if (socket == NULL) {
		close(pair[0]);
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED, "%s", local->message);
		return NULL;
	}
	stream = g_socket_connection_factory_create_connection(socket);
	bus = g_dbus_connection_new_sync(G_IO_STREAM(stream), NULL,
					 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
					     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
					 NULL, NULL, &local);
	if (bus == NULL) {
		g_autofree char *command = g_strjoinv(" ", (char **)argv->pdata);
		g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
			    "cannot reach the system bus of %s over ssh: %s ('%s' must work: ssh "
			    "reaches the host with a key or password, and systemd runs there)",
			    host, local->message, command);
	}
	return bus;
}

gboolean
ocictl_check_local(Ctl *ctl, GError **error)
{
	if (ctl->host == NULL)
		return TRUE;
	g_set_error(error, OCICTL_ERROR, OCICTL_ERROR_FAILED,
		    "'ocictl %s' needs a local bus: ocid hands the container's output and input "
		    "over as a file descriptor, which cannot cross ssh to %s; run 'ocictl %s' on "
		    "that host%s",
		    ctl->command, ctl->host, ctl->command,
		    g_str_equal(ctl->command, "run") ? ", or with --detach" : "");
	return FALSE;
}
