#!/bin/bash
# machined registration under the harness's systemd (run by inside.sh once ocid.service has
# started; systemd-machined is bus-activated). Prints TAP.
#  - off by default: a container not asked to register is no machine;
#  - with --machined, machinectl list and status show it: class container, service ocid,
#    its init as leader, its rootfs as root directory, its scope as unit;
#  - machinectl terminate and kill stop it, and ocid records the exit code;
#  - Delete of a running registered container leaves no machine behind.
set -u
. "$(dirname "$0")/tap.sh"
machines() { timeout 30 machinectl list --no-legend --no-pager 2>&1; }
is_machine() { machines | grep -q "^$1 "; }
not_machine() { ! is_machine "$1"; }

# systemd-machined and machinectl are systemd-container's (scripts/deps.sh installs it; the
# cgroup v2 guest's package list does not).
if ! command -v machinectl >/dev/null || [ ! -x /lib/systemd/systemd-machined ]; then
	echo "1..0 # SKIP systemd-container (machinectl, systemd-machined) is not installed"
	exit 0
fi

dir=$(mktemp -d /tmp/machined.XXXXXX)
# The init exits 7 on SIGTERM, which is what machinectl terminate and kill send.
"$OCID_MAKE_BUNDLE" "$dir/bundle" /bin/sh -c \
	'trap "exit 7" TERM; echo up; while true; do sleep 0.1; done' >/dev/null
chmod -R a+rX "$dir"

timeout 60 ocictl run -d --name plain "$dir/bundle" >/dev/null
timeout 60 ocictl run -d --name web --machined "$dir/bundle" >/dev/null
check "a registered container is in machinectl list" wait_for 30 is_machine web
list=$(machines)
echo "$list" | sed 's/^/# /'
check "its class is container and its service ocid" contains "$list" "container ocid"
check "a container not asked to register is no machine" lacks "$list" "plain"

id=$(timeout 30 ocictl inspect -f '{{.Id}}' web)
pid=$(timeout 30 ocictl inspect -f '{{.Pid}}' web)
st=$(timeout 30 machinectl status --no-pager -n 0 web 2>&1)
echo "$st" | sed 's/^/# /'
check "machinectl status: the service and class" contains "$st" "Service: ocid; class container"
check "machinectl status: the leader is the container's init" contains "$st" "Leader: $pid"
check "machinectl status: the root directory is the rootfs" contains "$st" "Root: $dir/bundle/rootfs"
check "machinectl status: the unit is the container's scope" contains "$st" "Unit: ocid-$id.scope"
check "the Machined property is true" test "$(timeout 30 busctl get-property org.oci.Runtime \
	"$(timeout 30 busctl call org.oci.Runtime /org/oci/Runtime org.oci.Runtime.Manager \
		GetContainer s web | cut -d'"' -f2)" org.oci.Runtime.Container Machined)" = "b true"

timeout 60 machinectl terminate web
check "machinectl terminate stops the container" wait_for 60 state_is web stopped
check "ocid records its exit code" test "$(timeout 30 ocictl inspect -f '{{.ExitCode}}' web)" = 7
check "the machine is gone" wait_for 30 not_machine web
timeout 60 ocictl rm web >/dev/null

timeout 60 ocictl run -d --name killed --machined "$dir/bundle" >/dev/null
check "a second registered container" wait_for 30 is_machine killed
timeout 60 machinectl kill killed
check "machinectl kill (SIGTERM) stops it" wait_for 60 state_is killed stopped
check "ocid records its exit code" test "$(timeout 30 ocictl inspect -f '{{.ExitCode}}' killed)" = 7
timeout 60 ocictl rm killed >/dev/null

# A name that is no host name: the machine is named after the id.
timeout 60 ocictl run -d --name under_score --machined "$dir/bundle" >/dev/null
us_id=$(timeout 30 ocictl inspect -f '{{.Id}}' under_score)
check "a container whose name is no host name is registered under its id" \
	wait_for 30 is_machine "$us_id"
timeout 60 ocictl rm -f under_score >/dev/null
check "Delete of a running registered container leaves no machine" \
	wait_for 30 not_machine "$us_id"
check "a name and id that are no host names are refused" \
	sh -c "! timeout 60 ocictl create --machined --name bad_name $dir/bundle bad_id 2>/dev/null"

timeout 60 ocictl rm -f plain >/dev/null
rm -rf "$dir"
echo "1..$n"
exit $status
