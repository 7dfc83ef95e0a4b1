#!/bin/bash
# The guest's life, for tests/vm/run.sh and by hand (root):
#   tests/vm/guest.sh up STATE_DIR        boots the cached image (tests/vm/image.sh), waits
#                                         until systemd says running; prints nothing
#   tests/vm/guest.sh ssh STATE_DIR CMD.. runs CMD in the guest as root (its exit status)
#   tests/vm/guest.sh down STATE_DIR      powers it off, kills qemu by its pid if it lingers,
#                                         removes STATE_DIR
# qemu runs with TCG (this machine's /dev/kvm is software nested virtualization, see
# ../shared/VM.md) or with KVM where the CPU has vmx/svm; the image is booted snapshot=on, so
# nothing the guest writes survives it, and its temporary overlay lives in STATE_DIR.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
verb=$1 state=$2
shift 2

ssh_opts() {
	echo -i "$state/id_ed25519" -p "$(cat "$state/port")" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 \
		-o ServerAliveInterval=15 -o ServerAliveCountMax=8 -o BatchMode=yes
}

guest_ssh() {
	# shellcheck disable=SC2046
	ssh $(ssh_opts) root@127.0.0.1 "$@"
}

accel() {
	if [ -e /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] &&
		grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg,thread=multi,tb-size=1024 -cpu max"
	fi
}

up() {
	local image port tries=0
	image=$("$here/image.sh")
	mkdir -p "$state"
	install -m 0600 "$image/id_ed25519" "$state/id_ed25519"
	# A free loopback port; qemu fails at once if another took it meanwhile, then retry.
	while :; do
		port=$((20000 + RANDOM % 20000))
		echo "$port" >"$state/port"
		# shellcheck disable=SC2046
		if TMPDIR=$state qemu-system-x86_64 -machine q35 $(accel) -smp 2 -m 4096 \
			-nodefaults -no-user-config -display none -vga none \
			-kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
			-append "root=/dev/vda rw console=ttyS0 quiet systemd.unified_cgroup_hierarchy=1 mitigations=off" \
			-drive "file=$image/root.img,if=virtio,format=raw,snapshot=on,cache=unsafe" \
			-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
			-device virtio-net-pci,netdev=n0 -device virtio-rng-pci \
			-serial "file:$state/console.log" -pidfile "$state/qemu.pid" -daemonize \
			2>"$state/qemu.err"; then
			break
		fi
		tries=$((tries + 1))
		[ $tries -lt 5 ] || { cat "$state/qemu.err" >&2; return 1; }
	done
	# sshd answers after some 30-40 s under TCG.
	local deadline=$((SECONDS + 300))
	until guest_ssh true 2>/dev/null; do
		if [ $SECONDS -ge $deadline ] || ! kill -0 "$(cat "$state/qemu.pid")" 2>/dev/null; then
			echo "guest.sh: the guest did not answer on ssh; its console:" >&2
			tail -30 "$state/console.log" >&2
			return 1
		fi
		sleep 2
	done
	timeout 300 "$0" ssh "$state" systemctl is-system-running --wait >/dev/null || {
		"$0" ssh "$state" systemctl --failed --no-pager >&2 || true
		return 1
	}
}

down() {
	local pid
	[ -f "$state/qemu.pid" ] || { rm -rf "$state"; return 0; }
	pid=$(cat "$state/qemu.pid")
	timeout 20 "$0" ssh "$state" systemctl poweroff --no-block >/dev/null 2>&1 || true
	for _ in $(seq 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -rf "$state"
}

case $verb in
up) up ;;
ssh) guest_ssh "$@" ;;
down) down ;;
*) echo "usage: $0 up|ssh|down STATE_DIR [CMD...]" >&2; exit 2 ;;
esac
