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
[ -n "$build" ] || build=$top/build-systemd$([ $sanitize = 1 ] && echo -asan)
case $build in /*) ;; *) build=$top/$build ;; esac

setup_args=(--prefix=/usr --sysconfdir=/etc --localstatedir=/var -Dwerror=true)
[ $sanitize = 0 ] || setup_args+=(-Db_sanitize=address,undefined)
[ -d "$build" ] || meson setup "$build" "$top" "${setup_args[@]}" >/dev/null
ninja -C "$build" >/dev/null

inside_args=("$build")
[ $sanitize = 0 ] || inside_args+=(--sanitize)
exec "$top/tests/harness/systemd-harness.sh" run --bind "$top" --bind "$build" --wd "$top" -- \
	"$top/tests/systemd/inside.sh" "${inside_args[@]}"
