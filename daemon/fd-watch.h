/* Watches for the fds that every supervised container holds for its whole life (its
 * monitor's pidfd, its NOTIFY_SOCKET), gathered in one epoll set that the main loop polls
 * as a single fd. With a GLib unix fd source per container, every main-loop iteration
 * polled and checked all of them: with 500 containers the set takes some 14% off the
 * daemon's CPU per create and start (bench/run.sh --only scale, A/B). The calls mirror
 * g_unix_fd_add() and g_source_remove(); ids are never 0. Main thread only. */
#pragma once

#include <glib-unix.h>
#include <glib.h>

/* @func is called while @fd has @condition (level-triggered, as a GLib source); it
 * returns G_SOURCE_REMOVE to end the watch, and may close @fd before it does. One watch
 * per fd at a time. */
guint ocid_fd_watch_add(int fd, GIOCondition condition, GUnixFDSourceFunc func, gpointer user_data);

/* Ends a watch (also from inside any watch's callback), while its fd is still open;
 * nothing is called for it after. */
void ocid_fd_watch_remove(guint id);
