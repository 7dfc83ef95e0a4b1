#!/bin/bash
# The systemd suite: builds ocid for /usr, boots a real systemd in a throw-away container
# (tests/harness), installs ocid there like a package would, and runs
# tests/integration/test-systemd against ocid.service on the real system bus.
#   tests/systemd/run.sh [BUILD_DIR]        (root; BUILD_DIR defaults to build-systemd)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build-systemd}
case $build in /*) ;; *) build=$top/$build ;; esac

[ -d "$build" ] || meson setup "$build" "$top" --prefix=/usr --sysconfdir=/etc \
	--localstatedir=/var -Dwerror=true >/dev/null
ninja -C "$build" >/dev/null

exec "$top/tests/harness/systemd-harness.sh" run --bind "$top" --bind "$build" --wd "$top" -- \
	"$top/tests/systemd/inside.sh" "$build"
