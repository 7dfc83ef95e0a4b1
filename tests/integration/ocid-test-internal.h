/* Inside the test library (ocid-test.c: the bus, the daemon, set-up and clean-up;
 * ocid-test-calls.c: calls, properties, waits, signals, bundles and containers;
 * ocid-test-host.c: what the host says: files, cgroups, processes). Tests include
 * ocid-test.h alone. */
#pragma once

#include "ocid-test.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The value of environment variable @name (meson test sets them); aborts when unset. */
const char *env_or_die(const char *name);
