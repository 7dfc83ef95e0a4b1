#!/bin/bash
# Builds ocid and shows the life cycle of a real busybox container through it, on a
# private D-Bus system bus (this host's PID 1 need not be systemd), with busctl and then
# with ocictl. With --shell, it then opens a shell whose ocictl and busctl --system talk to
# the demo's daemon (DBUS_SYSTEM_BUS_ADDRESS), and cleans up when that shell exits.
# Run as root (in a root shell; or with sudo where it is installed):
#   scripts/demo.sh [--no-install] [--shell]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
install=1 shell=0
for arg in "$@"; do
	case $arg in
	--no-install) install=0 ;;
	--shell) shell=1 ;;
	*) echo "usage: scripts/demo.sh [--no-install] [--shell]" >&2; exit 2 ;;
	esac
done
[ "$install" = 0 ] || scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

demo=$(mktemp -d /tmp/ocid-demo.XXXXXX)
bus_pid="" ocid_pid=""
cleanup() {
	[ -n "$ocid_pid" ] && kill "$ocid_pid" 2>/dev/null && wait "$ocid_pid" 2>/dev/null || true
	for id in $(runc --root "$demo/run/runtime" list -q 2>/dev/null); do
		runc --root "$demo/run/runtime" delete --force "$id" >/dev/null 2>&1 || true
	done
	[ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null || true
	rmdir /sys/fs/cgroup/*/ocid-demo 2>/dev/null || true
	rm -rf "$demo"
}
trap cleanup EXIT

# The same busybox as an image (an OCI archive), and an image store of the demo's own.
tests/make-image.sh "$demo" >/dev/null
export OCID_IMAGE_STORE=$demo/images
tests/make-bundle.sh "$demo/bundle" /bin/sh -c \
	'echo "hello from busybox, pid $$"; trap "echo got SIGTERM; exit 3" TERM; while true; do sleep 0.2; done'
cat > "$demo/bus.conf" <<XML
<busconfig><type>system</type><listen>unix:path=$demo/bus.sock</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>
XML
cat > "$demo/ocid.conf" <<CONF
[runtime]
runtime_path = $(command -v runc)
monitor_path = $top/build/monitor/ocid-monitor
cgroup_manager = cgroupfs
cgroup_parent = /ocid-demo
[paths]
state_dir = $demo/state
run_dir = $demo/run
log_dir = $demo/log
CONF
dbus-daemon --config-file="$demo/bus.conf" --fork --print-pid >"$demo/bus.pid"
bus_pid=$(cat "$demo/bus.pid")
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$demo/bus.sock
build/daemon/ocid --config "$demo/ocid.conf" 2>"$demo/ocid.log" &
ocid_pid=$!
for _ in $(seq 200); do
	busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
		NameHasOwner s org.oci.Runtime 2>/dev/null | grep -q true && break
	sleep 0.05
done

show() { echo "\$ $*"; "$@"; }
C=/org/oci/Runtime/container/demo
M="org.oci.Runtime /org/oci/Runtime org.oci.Runtime.Manager"
state() { busctl --system get-property org.oci.Runtime $C org.oci.Runtime.Container State Pid ExitCode | tr '\n' ' '; echo; }
show busctl --system call $M CreateContainer 'sssa{sv}' demo demo "$demo/bundle" 1 labels 'a{ss}' 1 app demo
state
show busctl --system call org.oci.Runtime $C org.oci.Runtime.Container Start
sleep 0.5
state
show busctl --system call $M ListContainers 'a{sv}' 0
show busctl --system call org.oci.Runtime $C org.oci.Runtime.Container Stop t 10
state
echo "\$ cat $demo/log/demo.log"; cat "$demo/log/demo.log"
show busctl --system call org.oci.Runtime $C org.oci.Runtime.Container Delete b false
show busctl --system call $M ListContainers 'a{sv}' 0

echo "--- the same life cycle with ocictl"
export PATH=$top/build/client:$PATH
show ocictl run -d --name web --label app=demo "$demo/bundle"
show ocictl ps --filter label=app=demo
show ocictl exec web -- busybox hostname
show ocictl stop -t 5 web
show ocictl wait web
show ocictl logs web
show ocictl rm web
echo "--- a container from an image: pulled, unpacked once, run in its own copy"
show ocictl run --rm "oci-archive:$demo/busybox.tar"
show ocictl images
show ocictl run --rm "oci-archive:$demo/busybox.tar" 'echo a command of mine in $(pwd)'
show ocictl rmi "oci-archive:$demo/busybox.tar"
echo "--- ocid's own log"; cat "$demo/ocid.log"

if [ "$shell" = 1 ]; then
	export OCID_DEMO=$demo
	cat <<TEXT
--- a shell on the demo's bus: ocictl and busctl --system talk to this ocid.
    DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS
    OCID_DEMO=$demo (a busybox bundle is in \$OCID_DEMO/bundle, an image in
    \$OCID_DEMO/busybox.tar; the image store is \$OCID_IMAGE_STORE)
    Exit the shell to stop the demo and remove everything.
TEXT
	PS1='(demo) # ' bash --norc -i || true
fi
