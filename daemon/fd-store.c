#define G_LOG_DOMAIN "ocid"

#include "fd-store.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#define NAME_PREFIX "pidfd-"

void
ocid_fd_store_add_pidfd(const char *id, int pidfd)
{
	g_autofree char *state = NULL;
	int r;

	if (pidfd < 0 || g_getenv("NOTIFY_SOCKET") == NULL)
		return;
	state = g_strdup_printf("FDSTORE=1\nFDPOLL=0\nFDNAME=" NAME_PREFIX "%s", id);
	r = sd_pid_notify_with_fds(0, 0, state, &pidfd, 1);
	if (r < 0)
		g_warning("Cannot keep the pidfd of container %s in the service's file "
			  "descriptor store: %s; its exit code is lost if it dies while ocid "
			  "and its monitor are both down",
			  id, g_strerror(-r));
}

void
ocid_fd_store_remove_pidfd(const char *id)
{
	g_autofree char *state = NULL;

	if (g_getenv("NOTIFY_SOCKET") == NULL)
		return;
	state = g_strdup_printf("FDSTOREREMOVE=1\nFDNAME=" NAME_PREFIX "%s", id);
	(void)sd_notify(0, state);
}

GHashTable *
ocid_fd_store_take_pidfds(void)
{
	GHashTable *pidfds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_auto(GStrv) names = NULL;
	int n = sd_listen_fds_with_names(1, &names);

	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		const char *name = names != NULL ? names[i] : NULL;

		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		if (name == NULL || !g_str_has_prefix(name, NAME_PREFIX)) {
			g_warning("Closing file descriptor %d (%s) from the service manager: "
				  "not one ocid stored",
				  fd, name != NULL ? name : "unnamed");
			close(fd);
			continue;
		}
		g_hash_table_replace(pidfds, g_strdup(name + strlen(NAME_PREFIX)),
				     GINT_TO_POINTER(fd));
	}
	return pidfds;
}
