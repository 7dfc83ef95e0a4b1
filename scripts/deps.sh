#!/bin/sh
# Installs what ocid needs to build, run and be tested on Debian 12 (run as root).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config meson ninja-build gettext clang-format clang libclang-rt-14-dev \
	libglib2.0-dev libsystemd-dev libdbus-1-dev libjson-glib-dev libseccomp-dev libcap-dev \
	runc busybox-static dbus-daemon dbus systemd systemd-container polkitd util-linux \
	crun qemu-system-x86 mmdebstrap e2fsprogs openssh-client \
	>/dev/null
