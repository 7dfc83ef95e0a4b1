#!/bin/bash
# In the guest, after tests/vm/run.sh copied the install tree to /: what a package's
# maintainer scripts would do.
set -euo pipefail
systemd-tmpfiles --create /usr/lib/tmpfiles.d/ocid.conf
systemctl daemon-reload
# The bus reads the new policy and activation file.
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
