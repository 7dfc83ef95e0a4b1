/* What the fault suites share: containers that a test ends with a chosen exit code through
 * a FIFO of their own (no polling inside 200 containers), and small process helpers. */
#pragma once

#include "../integration/ocid-test.h"

#define FAULTS_MANAGER_PATH "/org/oci/Runtime"
#define FAULTS_MANAGER      "org.oci.Runtime.Manager"
#define FAULTS_CONTAINER    "org.oci.Runtime.Container"

/* The container's command: logs "up <name>", waits for a code on /ctl/go, logs
 * "bye <code>" and exits with it. The FIFO is opened read-write, so that a writer never
 * blocks and the container never waits for one to come. */
#define FAULTS_SCRIPT                                                                              \
	"exec 3<>/ctl/go; read name </ctl/name; echo up $name; read code <&3; echo bye "           \
	"$code; exit $code"

/* A dir of the test's with the FIFO `go` and the file `name` (= @id) in it. */
char *faults_ctl_dir(OcidTest *t, const char *id);

/* CreateContainer options that bind @ctl_dir at /ctl. */
GVariant *faults_ctl_options(const char *ctl_dir);

/* Tells the container of @ctl_dir to exit with @code. */
void faults_tell_exit(const char *ctl_dir, int code);

/* Under systemd: ocid.service restarts @delay after a failure (a drop-in in /run), long
 * enough for what a test does while ocid is down; NULL removes the drop-in. */
void faults_slow_restart(const char *delay);

/* Whether this kernel keeps the exit status of a process for its pidfd holders once its
 * parent has reaped it (PIDFD_INFO_EXIT, Linux 6.15+), as the daemon needs for a
 * container that died while its monitor and the daemon were both gone. Asked of a child
 * of the test's own, the way the daemon asks it. */
gboolean faults_kernel_keeps_exit_status(void);

/* What the daemon reports of such a container: its real @code where the kernel keeps it,
 * else the documented unknown, 255 with Error saying why. */
void faults_assert_exit_after_loss(OcidTest *t, const char *path, int code);

/* kill -9 of the daemon and the wait for its name to go (private bus or ocid.service). */
void faults_kill_daemon(OcidTest *t);

/* The daemon back: started again (private bus), or restarted by systemd after
 * FAULTS_RESTART_DELAY (ocid.service keeps its fd store while a restart is pending). */
#define FAULTS_RESTART_DELAY "20s"
void faults_restart_daemon(OcidTest *t);
