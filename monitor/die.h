/* die.h: how the monitor reports trouble. Fatal errors end in die(), the one exit path
 * for failures (after bubblewrap's); before the daemon has heard "ok", the reason also goes
 * to the sync fd as "error\n<message>" so the daemon can hand it to its caller. Warnings
 * go to stderr only and never stop the monitor. */
#pragma once

void die_set_container_id(const char *id);

/* Where die() reports besides stderr; -1 once the daemon has been told "ok". */
void die_set_sync_fd(int fd);

__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);

/* @r is a negative errno value, as the monitor's helpers return it. */
__attribute__((noreturn, format(printf, 2, 3))) void die_errno(int r, const char *fmt, ...);

__attribute__((format(printf, 1, 2))) void warn(const char *fmt, ...);

__attribute__((format(printf, 2, 3))) void warn_errno(int r, const char *fmt, ...);
