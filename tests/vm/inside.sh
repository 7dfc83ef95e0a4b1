#!/bin/bash
# In the guest: the systemd suite and the feature suite once per runtime.
#   tests/vm/inside.sh BUILD RUNTIME...      (RUNTIME: runc or crun)
set -uo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
shift
status=0
for runtime in "$@"; do
	case $runtime in
	runc) path=/usr/sbin/runc ;;
	crun) path=/usr/bin/crun ;;
	*) echo "Bail out! unknown runtime $runtime"; exit 1 ;;
	esac
	echo "# runtime $runtime ($($path --version | head -1)), $(stat -fc %T /sys/fs/cgroup)"
	# Only the runtime's drop-in: a suite that failed half-way may have left its own.
	rm -rf /etc/ocid/ocid.conf.d
	mkdir -p /etc/ocid/ocid.conf.d
	printf '[runtime]\nruntime_path = %s\n' "$path" >/etc/ocid/ocid.conf.d/10-runtime.conf
	systemctl restart ocid.service
	# The kill -9 and teardown suites with the last runtime only (crun, which runs nowhere
	# else); the polkit suite (the daemon's decisions) with the first only; the daemon's
	# and host's suites (units, ssh, images, journal, machined), which the host's harness
	# runs, not at all. The escape and desktop suites, the confined run itself, run with
	# every runtime.
	kill9=0 polkit=0
	[ "$runtime" != "${*: -1}" ] || kill9=1
	[ "$runtime" != "$1" ] || polkit=1
	OCID_INSTALLED=1 OCID_RUNTIME=$path OCID_FAULTS_KILL9=$kill9 OCID_SYSTEMD_POLKIT=$polkit \
		OCID_SYSTEMD_DAEMON_SUITES=0 \
		OCID_FAULTS_SYSTEMD_CONTAINERS=55 \
		"$src/tests/systemd/inside.sh" "$build" || status=1
	OCID_BINARY=/usr/sbin/ocid OCID_MONITOR=/usr/libexec/ocid-monitor \
		OCID_MONITOR_TEST="$build/monitor/ocid-monitor-test" OCID_CTL=/usr/bin/ocictl \
		OCID_MAKE_BUNDLE="$src/tests/make-bundle.sh" OCID_SOURCE_DIR="$src" \
		OCID_SD_NOTIFY="$build/tests/sd-notify" \
		OCID_RUNTIME=$path "$build/tests/integration/test-features" || status=1
	systemctl stop ocid.service
done
exit $status
