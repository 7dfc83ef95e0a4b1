/* attach.h: the attach socket. Clients that connect (several at once, up to
 * ATTACH_CLIENTS_MAX) get the container's output as it is logged and write its stdin; with
 * stdin_once, the first one to leave closes stdin. With a terminal, a datagram socket next
 * to it (MONITOR_RESIZE_SUFFIX) takes the terminal's size. */
#pragma once

#include "monitor.h"

#include <stddef.h>

/* Listens on --attach-path, when set, and watches it; dies on failure. */
void monitor_attach_serve(Monitor *m);

void monitor_attach_accept(Monitor *m);

/* A message on the resize socket (common/monitor-protocol.h): the terminal's new size. */
void monitor_attach_handle_resize(Monitor *m);

/* The client in @slot is readable. */
void monitor_attach_handle_client(Monitor *m, int slot);

/* Output goes to every attached client too; one that cannot keep up is dropped rather
 * than allowed to stall the log. */
void monitor_attach_broadcast(Monitor *m, const char *buf, size_t len);

/* Drops every client and removes the socket. */
void monitor_attach_stop(Monitor *m);

/* Ends the container's stdin (with an EOF character on a terminal). */
void monitor_close_stdin(Monitor *m);
