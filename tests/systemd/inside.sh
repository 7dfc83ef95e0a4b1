#!/bin/bash
# Runs inside the harness's systemd: install ocid as a package would, start it, run the
# systemd test binary against it. Everything written here vanishes with the container.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
sanitize=0
[ "${2:-}" != --sanitize ] || sanitize=1
plain_monitor=${3:-}

# tests/vm copies the install tree in instead (OCID_INSTALLED=1) and runs this once per
# runtime (OCID_RUNTIME), so everything below may run twice.
[ "${OCID_INSTALLED:-0}" = 1 ] || meson install -C "$build" --no-rebuild --quiet
# See run.sh: the sanitized lane runs a sanitizer-free monitor under the sanitized daemon.
[ -z "$plain_monitor" ] || install -m 0755 "$plain_monitor" /usr/libexec/ocid-monitor
systemd-tmpfiles --create /usr/lib/tmpfiles.d/ocid.conf
if [ $sanitize = 1 ]; then
	# The first ASan or UBSan report aborts the daemon (SIGABRT, so systemd logs
	# status=6/ABRT), and the report goes to the journal through stderr. /etc/systemd/system
	# is the harness's own units dir, so the drop-in goes to /run.
	mkdir -p /run/systemd/system/ocid.service.d
	cat > /run/systemd/system/ocid.service.d/50-sanitizers.conf <<'UNIT'
[Service]
Environment=ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:disable_coredump=1
Environment=UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
UNIT
fi
systemctl daemon-reload
# The bus reads the new policy and activation file.
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
systemctl start ocid.service

# Users for the authorization tests (this /etc is the throw-away overlay's), and rules.
id -u ocidtest1 >/dev/null 2>&1 || {
	useradd -M -s /usr/sbin/nologin ocidtest1
	groupadd ocidmgr
	useradd -M -s /usr/sbin/nologin -G ocidmgr ocidtest2
	groupadd ocidstop
	useradd -M -s /usr/sbin/nologin -G ocidstop ocidtest3
	groupadd ocidio
	useradd -M -s /usr/sbin/nologin -G ocidio ocidtest4
	groupadd ocidpriv
	useradd -M -s /usr/sbin/nologin -G ocidmgr,ocidpriv ocidtest5
}
# test-escape.c's attacker: every action but create-privileged; tests/systemd/desktop.sh's
# user: nothing but what an active local session gets by default. Both have /etc/subuid
# ranges, as useradd gives them (a confined container maps ids 1 and up there).
id -u ocidtest6 >/dev/null 2>&1 || {
	groupadd ocidattack
	useradd -M -s /usr/sbin/nologin -G ocidattack ocidtest6
	useradd -m -s /bin/sh ocidtest7
}
mkdir -p /etc/polkit-1/rules.d
cat > /etc/polkit-1/rules.d/50-ocid-test.rules <<'RULES'
polkit.addRule(function(action, subject) {
	if ((action.id == "org.oci.Runtime.create" || action.id == "org.oci.Runtime.manage") &&
	    subject.isInGroup("ocidmgr"))
		return polkit.Result.YES;
	/* test-polkit.c: ocidstop's members create, and act on their own containers. */
	if (action.id == "org.oci.Runtime.create" && subject.isInGroup("ocidstop"))
		return polkit.Result.YES;
	if (action.id == "org.oci.Runtime.manage" && subject.isInGroup("ocidstop") &&
	    action.lookup("verb") == "stop" && action.lookup("container") == "granted")
		return polkit.Result.YES;
	/* tests/integration/test-api.c: logs, attach and exec (not kill-exec) of one
	 * container only. */
	if ((action.id == "org.oci.Runtime.logs" || action.id == "org.oci.Runtime.attach" ||
	     (action.id == "org.oci.Runtime.exec" && action.lookup("verb") == "exec")) &&
	    subject.isInGroup("ocidio") && action.lookup("container") == "io-granted")
		return polkit.Result.YES;
	/* test-polkit.c: only when ocid said why the container is privileged (the
	 * "reason" detail). */
	if (action.id == "org.oci.Runtime.create-privileged" && subject.isInGroup("ocidpriv") &&
	    action.lookup("reason"))
		return polkit.Result.YES;
	/* test-escape.c: everything a user may be given short of host root. */
	if ((action.id == "org.oci.Runtime.create" || action.id == "org.oci.Runtime.manage" ||
	     action.id == "org.oci.Runtime.logs") && subject.isInGroup("ocidattack"))
		return polkit.Result.YES;
});
RULES
systemctl restart polkit.service

export OCID_TEST_SYSTEM_BUS=1
export OCID_MAKE_BUNDLE=$top/tests/make-bundle.sh
# make-bundle.sh puts it in every bundle: what a container runs to say READY=1.
export OCID_SD_NOTIFY=$(cd "$build" && pwd)/tests/sd-notify
export OCID_SOURCE_DIR=$top
export OCID_RUNTIME=${OCID_RUNTIME:-/usr/sbin/runc}
export OCID_CONFIG=/etc/ocid/ocid.conf
if [ $sanitize = 1 ]; then
	# The test binaries run under ASan too (they link nothing of ocid's, but are built
	# with the same flags); their own leaks are not the daemon's.
	export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=0
	export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
fi
main_pid() { systemctl show -p MainPID --value ocid.service; }
# OCID_SYSTEMD_ONLY, while working on one part: a suite of tests/systemd (escape,
# generator, remote, ...), or test binaries of the build ("tests/faults/test-x ..."), alone.
if [ -n "${OCID_SYSTEMD_ONLY:-}" ]; then
	if [ -f "$top/tests/systemd/$OCID_SYSTEMD_ONLY.sh" ]; then
		exec "$top/tests/systemd/$OCID_SYSTEMD_ONLY.sh" "$build"
	fi
	status=0
	for test in $OCID_SYSTEMD_ONLY; do "$build/$test" || status=$?; done
	exit $status
fi
status=0
"$build/tests/integration/test-systemd" || status=$?
# test-systemd restarts and kills ocid on purpose; from here on the daemon must live.
systemctl start ocid.service
pid_before=$(main_pid)
# tests/vm runs it for one of its runtimes only (OCID_SYSTEMD_POLKIT=0 for the other): who
# may do what is the daemon's decision, whatever the runtime, and the guest is slow.
if [ "${OCID_SYSTEMD_POLKIT:-1}" = 1 ]; then
	"$build/tests/integration/test-polkit" || status=$?
fi

# The daemon survived what was asked of it: the same process, still active.
pid_after=$(main_pid)
if ! systemctl is-active --quiet ocid.service || [ "$pid_before" != "$pid_after" ]; then
	echo "not ok - ocid.service died during test-polkit (MainPID $pid_before, now $pid_after)"
	status=1
fi
# ocictl as installed: its files where each consumer looks, pkttyagent on a terminal.
"$top/tests/systemd/ocictl-installed.sh" || status=$?
# The fd methods as ordinary users, granted and denied by polkitd, and the rest of test-api
# under systemd's cgroups (it restarts ocid once, for a small log_size_max).
"$build/tests/integration/test-api" || status=$?
# Failed, timed-out and deleted creates under the systemd manager (each test checks the
# daemon's pid itself: one restarts ocid to change create_timeout).
"$build/tests/integration/test-create-cancel" || status=$?
# The daemon killed inside each teardown step under the systemd manager; ocid.service is
# restarted without the fault, and nothing of the containers may be left (issue 20).
# tests/vm runs it with its last runtime only (crun), as kill -9 below: ten restarts of
# ocid are long in the emulated guest.
if [ "${OCID_FAULTS_KILL9:-1}" = 1 ]; then
	"$build/tests/faults/test-faults-teardown" || status=$?
fi
# OOM scores of monitors, containers and exec'd processes under ocid.service.
"$build/tests/faults/test-faults-oom-score" || status=$?
# Exit codes through ocid.service's fd store after kill -9 of the daemon and a monitor.
"$build/tests/faults/test-faults-exit-codes" || status=$?
# The faults suite under ocid.service (fewer containers than on the private bus: each one
# is a transient scope here), where the 2 containers killed while nothing of ocid lived
# report their real 137 through the fd store.
# tests/vm runs it for one of its runtimes only (OCID_FAULTS_KILL9=0 for the other): in the
# emulated guest it is the longest suite, and what it tests is the daemon's, not the runtime's.
if [ "${OCID_FAULTS_KILL9:-1}" = 1 ]; then
	OCID_FAULTS_CONTAINERS=${OCID_FAULTS_SYSTEMD_CONTAINERS:-60} "$build/tests/faults/test-faults-kill9" ||
		status=$?
fi
# Issue 19: escapes tried by a user who may create containers but not privileged ones, each
# test path on its own so that one escape does not hide the next; then a desktop user's own
# containers through an active local logind session.
"$top/tests/systemd/escape.sh" "$build" || status=$?
# What follows is the daemon's and the host's (units, ssh, images, the web console, the
# journal, machined), not the runtime's, and the harness runs it on the host: tests/vm
# leaves it out (OCID_SYSTEMD_DAEMON_SUITES=0), the emulated guest being some 20 times
# slower.
daemon_suites=${OCID_SYSTEMD_DAEMON_SUITES:-1}
if [ "$daemon_suites" = 1 ]; then
	# Issue 22: declarative containers through ocid-generator and their units; ocictl -H
	# through a real sshd on loopback.
	"$top/tests/systemd/generator.sh" "$build" || status=$?
	"$top/tests/systemd/remote.sh" "$build" || status=$?
	# Issue 24: images pulled from a registry on loopback and an archive, run by root and by
	# ocidtest7 (her own store, her confined container); skipped without skopeo, umoci or
	# docker-registry.
	"$top/tests/systemd/images.sh" || status=$?
	# Issue 23: the Cockpit page in headless Chromium through a real cockpit-ws (skips where
	# they are missing, as in the VM lane's guest).
	"$top/tests/systemd/cockpit.sh" "$build" || status=$?
	# Issue 22: the journald log driver, and machined registration (systemd-machined is
	# bus-activated here).
	"$top/tests/systemd/journald.sh" "$build" || status=$?
	"$top/tests/systemd/machined.sh" "$build" || status=$?
fi
# A sanitizer report, or a daemon that aborted, fails the suite whatever the tests said.
journalctl -u ocid.service --no-pager -q >/tmp/ocid-journal
reports='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|status=6/ABRT'
if grep -Eq "$reports" /tmp/ocid-journal; then
	echo "not ok - ocid.service's journal holds sanitizer reports or an abort:"
	grep -E -A40 "$reports" /tmp/ocid-journal | head -400 | sed 's/^/# /'
	status=1
else
	echo "ok - ocid.service's journal holds no sanitizer report and no abort"
fi
if [ $status -ne 0 ]; then
	echo "# ocid's journal:"
	journalctl -u ocid.service --no-pager -n 80 | sed 's/^/# /'
fi
exit $status
