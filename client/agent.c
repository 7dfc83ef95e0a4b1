/* The polkit agent for a terminal user, started the way systemctl and machinectl start
 * theirs: pkttyagent as a child, once, before the first call that may need authorization,
 * and only when stdin is a terminal (someone can answer) and the caller is not root (whom
 * ocid always allows). --no-ask-password turns it off. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#define AGENT_NOTIFY_FD 3

void
ocictl_agent_start(Ctl *ctl)
{
	g_autofree char *agent = NULL;
	g_autoptr(GError) error = NULL;
	int notify[2];
	char fd_text[16];
	char *argv[] = { NULL, "--notify-fd", fd_text, "--fallback", NULL };
	int source_fds[1], target_fds[1] = { AGENT_NOTIFY_FD };
	struct pollfd ready;

	if (ctl->agent_pid != 0 || !ctl->ask_password || !isatty(STDIN_FILENO) || geteuid() == 0)
		return;
	agent = g_find_program_in_path("pkttyagent");
	if (agent == NULL)
		return;
	if (pipe2(notify, O_CLOEXEC) < 0)
		return;
	g_snprintf(fd_text, sizeof fd_text, "%d", AGENT_NOTIFY_FD);
	argv[0] = agent;
	source_fds[0] = notify[1];
	if (!g_spawn_async_with_pipes_and_fds(
		NULL, (const char *const *)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, -1,
		-1, -1, source_fds, target_fds, 1, &ctl->agent_pid, NULL, NULL, NULL, &error)) {
		close(notify[0]);
		close(notify[1]);
		return;
	}
	close(notify[1]);
	/* pkttyagent closes the fd once it is registered: only then may a call ask. */
	ready = (struct pollfd){ .fd = notify[0], .events = POLLIN };
	while (poll(&ready, 1, 10000) < 0 && errno == EINTR)
		;
	close(notify[0]);
}

void
ocictl_agent_stop(Ctl *ctl)
{
	if (ctl->agent_pid == 0)
		return;
	kill(ctl->agent_pid, SIGTERM);
	while (waitpid(ctl->agent_pid, NULL, 0) < 0 && errno == EINTR)
		;
	ctl->agent_pid = 0;
}
