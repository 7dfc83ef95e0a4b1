#!/bin/bash
# Builds the pure cgroup v2 Debian 12 guest of the VM lane from Debian's packages only
# (mmdebstrap, no root mounts: mke2fs -d), or finds it already built:
#   tests/vm/image.sh            prints the image's dir
# The dir is keyed by this script and the package list, under $OCID_VM_CACHE
# (/var/cache/ocid-vm), and holds vmlinuz, initrd.img, root.img (raw ext4, booted with
# snapshot=on so it is never written) and the ssh key of the guest's root. Facts behind each
# choice: ../shared/VM.md. About 2-3 minutes the first time, nothing after.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${OCID_VM_CACHE:-/var/cache/ocid-vm}
key=$(cat "$here/image.sh" "$here/packages" | sha256sum | cut -c1-16)
dir=$cache/bookworm-$key
if [ -f "$dir/ready" ]; then
	echo "$dir"
	exit 0
fi
for tool in mmdebstrap mke2fs ssh-keygen; do
	command -v "$tool" >/dev/null ||
		{ echo "image.sh: $tool is missing; run scripts/deps.sh" >&2; exit 1; }
done
mkdir -p "$cache"
work=$(mktemp -d "$cache/build-XXXXXX")
trap 'rm -rf "$work"' EXIT
ssh-keygen -q -t ed25519 -N '' -C ocid-vm -f "$work/id_ed25519"
packages=$(grep -v '^#' "$here/packages" | paste -sd, -)

# The hooks run on the host with the guest's root as $1.
timeout 1200 mmdebstrap --mode=root --variant=apt --include="$packages" \
	--aptopt='APT::Install-Recommends "false"' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--customize-hook='echo ocid-vm >"$1/etc/hostname"' \
	--customize-hook='echo "127.0.1.1 ocid-vm" >>"$1/etc/hosts"' \
	--customize-hook='echo "/dev/vda / ext4 rw,relatime 0 1" >"$1/etc/fstab"' \
	--customize-hook="mkdir -m 0700 -p \"\$1/root/.ssh\" && cp '$work/id_ed25519.pub' \"\$1/root/.ssh/authorized_keys\"" \
	--customize-hook='printf "[Match]\nName=en* eth*\n\n[Network]\nAddress=10.0.2.15/24\nGateway=10.0.2.2\n" >"$1/etc/systemd/network/10-slirp.network"' \
	--customize-hook='mkdir -p "$1/etc/systemd/journald.conf.d" && printf "[Journal]\nStorage=volatile\n" >"$1/etc/systemd/journald.conf.d/volatile.conf"' \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service ssh.service' \
	--customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer fstrim.timer e2scrub_all.timer systemd-networkd-wait-online.service' \
	--customize-hook='sed -i "s/^#\?UseDNS.*/UseDNS no/" "$1/etc/ssh/sshd_config"' \
	--customize-hook="cp \"\$1\"/boot/vmlinuz-* '$work/vmlinuz' && cp \"\$1\"/boot/initrd.img-* '$work/initrd.img'" \
	bookworm "$work/root" >"$work/mmdebstrap.log" 2>&1 ||
	{ tail -30 "$work/mmdebstrap.log" >&2; exit 1; }
# mke2fs says "Creating regular file" on stdout even with -q; stdout is the image dir.
timeout 600 mke2fs -q -t ext4 -d "$work/root" -L ocid-vm "$work/root.img" 4096M >&2
rm -rf "$work/root"
touch "$work/ready"
rm -rf "$dir"
mv "$work" "$dir"
trap - EXIT
echo "$dir"
