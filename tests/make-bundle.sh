#!/bin/sh
# Makes an OCI bundle with a static busybox as its root filesystem:
#   tests/make-bundle.sh DIR [ARG...]
# The container runs ARG... (default: busybox sh -c 'echo hello from busybox').
set -eu
dir=$1
shift
busybox=""
for candidate in /bin/busybox /usr/bin/busybox; do
	[ -z "$busybox" ] && [ -x "$candidate" ] && busybox=$candidate
done
[ -n "$busybox" ] || { echo "make-bundle: busybox not found; install busybox-static" >&2; exit 1; }

mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/sys" "$dir/rootfs/tmp" "$dir/rootfs/etc"
cp "$busybox" "$dir/rootfs/bin/busybox"
for applet in sh echo cat sleep true false ls printf yes head seq kill date; do
	ln -sf busybox "$dir/rootfs/bin/$applet"
done
echo "root:x:0:0:root:/:/bin/sh" > "$dir/rootfs/etc/passwd"
# A static sd-notify (tests/sd-notify.c) where the build has one: what a container runs to
# say READY=1 on its NOTIFY_SOCKET.
if [ -n "${OCID_SD_NOTIFY:-}" ] && [ -x "$OCID_SD_NOTIFY" ]; then
	cp "$OCID_SD_NOTIFY" "$dir/rootfs/bin/sd-notify"
fi

if [ $# -eq 0 ]; then
	set -- /bin/sh -c 'echo hello from busybox'
fi
args=""
for a in "$@"; do
	esc=$(printf '%s' "$a" | sed 's/\\/\\\\/g; s/"/\\"/g')
	args="$args${args:+, }\"$esc\""
done

cat > "$dir/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ $args ],
    "env": [ "PATH=/bin", "TERM=xterm" ],
    "cwd": "/",
    "capabilities": {
      "bounding": [ "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE" ],
      "effective": [ "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE" ],
      "permitted": [ "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE" ]
    },
    "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
    "noNewPrivileges": true
  },
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "busybox",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620" ] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": [ "nosuid", "noexec", "nodev", "ro" ] },
    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "nodev" ] }
  ],
  "linux": {
    "resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
    "namespaces": [ { "type": "pid" }, { "type": "ipc" }, { "type": "uts" }, { "type": "mount" }, { "type": "network" } ],
    "maskedPaths": [ "/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware" ],
    "readonlyPaths": [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" ]
  }
}
JSON
