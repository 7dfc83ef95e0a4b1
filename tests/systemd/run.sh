#!/bin/bash
# The systemd suite: builds ocid for /usr, boots a real systemd in a throw-away container
# (tests/harness), installs ocid there like a package would, and runs
# tests/integration/test-systemd against ocid.service on the real system bus.
#   tests/systemd/run.sh [BUILD_DIR] [--sanitize]
# (root; BUILD_DIR defaults to build-systemd). With --sanitize the build is configured
# with -Db_sanitize=address,undefined and ocid.service runs with ASan and UBSan set to
# abort on the first report; a report, or a daemon that died of one, fails the suite.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=
sanitize=0
for arg; do
	case $arg in
	--sanitize) sanitize=1 ;;
	-*) echo "usage: $0 [BUILD_DIR] [--sanitize]" >&2; exit 2 ;;
	*) build=$arg ;;
	esac
done
[ -n "$build" ] || build=$top/build-systemd$([ $sanitize = 0 ] || echo -asan)
case $build in /*) ;; *) build=$top/$build ;; esac

setup_args=(--prefix=/usr --sysconfdir=/etc --localstatedir=/var -Dwerror=true)
[ $sanitize = 0 ] || setup_args+=(-Db_sanitize=address,undefined)
[ -d "$build" ] || meson setup "$build" "$top" "${setup_args[@]}" >/dev/null
ninja -C "$build" >/dev/null

inside_args=("$build")
binds=(--bind "$top" --bind "$build")
if [ $sanitize = 1 ]; then
	# ocid-monitor without sanitizers: its seccomp filter (applied before the runtime is
	# exec'd) denies what LeakSanitizer's exit-time stop-the-world needs (mprotect of a
	# guard page, ptrace-like thread suspension), so a sanitized monitor dies with
	# "AddressSanitizer: CHECK failed" at every container exit. The target here is the
	# daemon; the monitor is covered by the fuzzers and the meson ASan lane.
	monitor_build=$build-monitor
	[ -d "$monitor_build" ] || meson setup "$monitor_build" "$top" "${setup_args[@]:0:4}" \
		>/dev/null
	ninja -C "$monitor_build" monitor/ocid-monitor >/dev/null
	inside_args+=(--sanitize "$monitor_build/monitor/ocid-monitor")
	binds+=(--bind "$monitor_build")
fi
# OCID_SYSTEMD_ONLY (inside.sh) reaches the suite.
[ -z "${OCID_SYSTEMD_ONLY:-}" ] || binds+=(--env OCID_SYSTEMD_ONLY)
exec "$top/tests/harness/systemd-harness.sh" run "${binds[@]}" --wd "$top" -- \
	"$top/tests/systemd/inside.sh" "${inside_args[@]}"
