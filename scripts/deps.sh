#!/bin/sh
# Installs what ocid needs to build, run and be tested on Debian 12 (run as root): also
# scdoc for the manuals, man-db to render them, the shells whose completion is tested,
# polkit's pkg-config file (where actions go), socat for the README's attach socket,
# openssh-server for tests/systemd/remote.sh (ocictl -H through a real sshd on loopback),
# skopeo, umoci and docker-registry for ocictl's images and their tests (curl: the
# systemd suite waits for the registry with it); for the Cockpit page (cockpit/), npm for
# its locked PatternFly and xterm.js, and for its browser test (tests/systemd/cockpit.sh)
# a real cockpit-ws and headless Chromium.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config meson ninja-build gettext clang-format clang libclang-rt-14-dev \
	libglib2.0-dev libsystemd-dev libdbus-1-dev libjson-glib-dev libseccomp-dev libcap-dev \
	runc busybox-static dbus-daemon dbus systemd systemd-container polkitd libpam-systemd util-linux \
	libpolkit-gobject-1-dev bash-completion scdoc man-db zsh fish socat \
	crun qemu-system-x86 mmdebstrap e2fsprogs openssh-client openssh-server \
	skopeo umoci docker-registry curl \
	cockpit-ws cockpit-bridge cockpit-system chromium chromium-driver python3 sudo \
	>/dev/null
# Debian's npm, unless an npm (a newer Node.js's own) is already there.
command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends npm >/dev/null
