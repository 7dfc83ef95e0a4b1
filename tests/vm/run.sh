#!/bin/bash
# The pure cgroup v2 lane: builds ocid for /usr on this host, boots a throw-away Debian 12
# guest (tests/vm/image.sh, tests/vm/guest.sh; facts in ../shared/VM.md), copies the install
# tree in as a package would lay it out, and runs there, once per runtime, the systemd suite
# (ocid.service under the guest's real systemd, default cgroup manager) and the feature
# suite (private bus, cgroupfs manager). TAP on stdout; the exit status is the suites'.
#   tests/vm/run.sh [--build DIR] [--runtimes "runc crun"]        the lane
#   tests/vm/run.sh [--build DIR] -- CMD [ARG...]                 CMD in the guest instead
# CMD runs as root in the source tree's copy (/srv/ocid/src) with OCID_VM_BUILD naming the
# build tree's copy (test and bench binaries), after the install; e.g.
#   tests/vm/run.sh -- bench/run.sh --runtime crun
# Root; nothing on the host changes but the image cache ($OCID_VM_CACHE, /var/cache/ocid-vm)
# and the build dir. About 3 minutes for the build of the image the first time.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build-vm
runtimes="runc crun"
cmd=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--runtimes) runtimes=$2; shift 2 ;;
	--) shift; cmd=("$@"); break ;;
	*) echo "usage: $0 [--build DIR] [--runtimes LIST] [-- CMD...]" >&2; exit 2 ;;
	esac
done
case $build in /*) ;; *) build=$top/$build ;; esac

[ -d "$build" ] || meson setup "$build" "$top" --prefix=/usr --sysconfdir=/etc \
	--localstatedir=/var -Dwerror=true >/dev/null
ninja -C "$build" >/dev/null

state=$(mktemp -d "${TMPDIR:-/tmp}/ocid-vm-XXXXXX")
cleanup() { "$top/tests/vm/guest.sh" down "$state" || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# What goes in: the install tree, the source's tests/, bench/ and scripts/, and the build's
# test and bench binaries (the guest's userspace is Debian 12 like this host).
mkdir -p "$state/stage/root"
DESTDIR="$state/stage/root" meson install -C "$build" --no-rebuild --quiet
# tests/sd-notify: what a test container runs to say READY=1 (make-bundle.sh copies it).
(cd "$build" && find tests/integration tests/faults monitor bench client tests/sd-notify -maxdepth 1 \
	-type f -perm -u+x >"$state/stage/binaries")

start=$SECONDS
"$top/tests/vm/guest.sh" up "$state"
echo "# guest up in $((SECONDS - start)) s"
g() { "$top/tests/vm/guest.sh" ssh "$state" "$@"; }
# --keep-directory-symlink: the guest's /lib, /bin, /sbin are merged-/usr symlinks.
tar -C "$state/stage/root" -c . | g tar -x --keep-directory-symlink --no-same-owner -C /
tar -C "$top" -c tests bench scripts data dbus meson.build | g 'mkdir -p /srv/ocid/src && tar -x -C /srv/ocid/src'
tar -C "$build" -c -T "$state/stage/binaries" | g 'mkdir -p /srv/ocid/build && tar -x -C /srv/ocid/build'
g /srv/ocid/src/tests/vm/install.sh

status=0
if [ ${#cmd[@]} -gt 0 ]; then
	quoted=$(printf '%q ' "${cmd[@]}")
	g "cd /srv/ocid/src && OCID_VM_BUILD=/srv/ocid/build $quoted" || status=$?
else
	# The emulated guest is some 20 times slower: every wait of the tests is stretched.
	timeout 2400 "$top/tests/vm/guest.sh" ssh "$state" \
		"OCID_TEST_TIME_SCALE=10 OCID_TEST_SURVIVORS=6 /srv/ocid/src/tests/vm/inside.sh /srv/ocid/build $runtimes" ||
		status=$?
fi
echo "# guest lane took $((SECONDS - start)) s"
exit $status
