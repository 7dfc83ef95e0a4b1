#!/bin/bash
# Runs inside the harness's systemd: install ocid as a package would, start it, run the
# systemd test binary against it. Everything written here vanishes with the container.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1

meson install -C "$build" --no-rebuild --quiet
systemd-tmpfiles --create /usr/lib/tmpfiles.d/ocid.conf
systemctl daemon-reload
# The bus reads the new policy and activation file.
busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ReloadConfig
systemctl start ocid.service

# Users for the authorization tests (this /etc is the throw-away overlay's), and rules.
useradd -M -s /usr/sbin/nologin ocidtest1
groupadd ocidmgr
useradd -M -s /usr/sbin/nologin -G ocidmgr ocidtest2
groupadd ocidstop
useradd -M -s /usr/sbin/nologin -G ocidstop ocidtest3
mkdir -p /etc/polkit-1/rules.d
cat > /etc/polkit-1/rules.d/50-ocid-test.rules <<'RULES'
polkit.addRule(function(action, subject) {
	if (action.id == "org.oci.Runtime.manage" && subject.isInGroup("ocidmgr"))
		return polkit.Result.YES;
	if (action.id == "org.oci.Runtime.manage" && subject.isInGroup("ocidstop") &&
	    action.lookup("verb") == "stop" && action.lookup("container") == "granted")
		return polkit.Result.YES;
});
RULES
systemctl restart polkit.service

export OCID_TEST_SYSTEM_BUS=1
export OCID_MAKE_BUNDLE=$top/tests/make-bundle.sh
export OCID_SOURCE_DIR=$top
export OCID_RUNTIME=/usr/sbin/runc
export OCID_CONFIG=/etc/ocid/ocid.conf
status=0
"$build/tests/integration/test-systemd" || status=$?
"$build/tests/integration/test-polkit" || status=$?
"$build/tests/integration/test-create-cancel" || status=$?
if [ $status -ne 0 ]; then
	echo "# ocid's journal:"
	journalctl -u ocid.service --no-pager -n 80 | sed 's/^/# /'
fi
exit $status
