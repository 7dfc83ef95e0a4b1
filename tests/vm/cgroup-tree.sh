#!/bin/bash
# In the guest (tests/vm/run.sh -- tests/vm/cgroup-tree.sh [RUNTIME...]): for each runtime,
# a running container with limits under ocid.service (systemd manager), and its cgroup
# tree: systemd-cgls of its scope, then cgroup.type, cgroup.subtree_control and memory.max
# of every level from the root down to the container's leaf and the monitors' leaf.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -gt 0 ] || set -- runc crun
bundle=$(mktemp -d /tmp/tree-bundle-XXXXXX)
"$src/tests/make-bundle.sh" "$bundle" /bin/sh -c 'echo up; sleep 600'
sed -i 's|"resources": {|"resources": { "memory": { "limit": 67108864, "swap": 67108864 }, "pids": { "limit": 100 }, "cpu": { "shares": 512, "quota": 50000, "period": 100000 },|' \
	"$bundle/config.json"
show() {
	local dir=$1
	printf '%-62s type=%-9s subtree_control=[%s] memory.max=%s\n' "${dir#/sys/fs/cgroup}/" \
		"$(cat "$dir/cgroup.type" 2>/dev/null || echo -)" \
		"$(cat "$dir/cgroup.subtree_control")" "$(cat "$dir/memory.max" 2>/dev/null || echo -)"
}
for runtime in "$@"; do
	case $runtime in runc) path=/usr/sbin/runc ;; crun) path=/usr/bin/crun ;; esac
	mkdir -p /etc/ocid/ocid.conf.d
	printf '[runtime]\nruntime_path = %s\n' "$path" >/etc/ocid/ocid.conf.d/10-runtime.conf
	systemctl restart ocid.service
	id=tree-$runtime
	obj=$(busctl call org.oci.Runtime /org/oci/Runtime org.oci.Runtime.Manager CreateContainer \
		'sssa{sv}' "$id" "$id" "$bundle" 0 | awk '{ gsub(/"/, "", $2); print $2 }')
	busctl call org.oci.Runtime "$obj" org.oci.Runtime.Container Start
	echo "=== $($path --version | head -1), $(systemctl --version | head -1), kernel $(uname -r), $(stat -fc %T /sys/fs/cgroup)"
	echo "RuntimeName=$(busctl get-property org.oci.Runtime /org/oci/Runtime org.oci.Runtime.Manager RuntimeName)" \
		"RuntimeReady=$(busctl get-property org.oci.Runtime /org/oci/Runtime org.oci.Runtime.Manager RuntimeReady)"
	unit=ocid-$id.scope
	echo "--- systemd-cgls -u $unit"
	systemd-cgls --no-pager -u "$unit"
	echo "--- systemctl show $unit"
	systemctl show -p MemoryMax -p MemorySwapMax -p TasksMax -p CPUWeight -p CPUQuotaPerSecUSec \
		-p CPUQuotaPeriodUSec -p Delegate -p ControlGroup "$unit"
	group=$(systemctl show -p ControlGroup --value "$unit")
	echo "--- each level (cgroup.type, cgroup.subtree_control, memory.max)"
	dir=/sys/fs/cgroup
	show "$dir"
	IFS=/ read -ra parts <<<"${group#/}"
	for part in "${parts[@]}"; do
		dir=$dir/$part
		show "$dir"
	done
	for leaf in supervisor container; do
		show "$dir/$leaf"
		echo "      cgroup.procs: $(tr '\n' ' ' <"$dir/$leaf/cgroup.procs")"
	done
	echo "--- container leaf: cpu.weight=$(cat "$dir/container/cpu.weight") cpu.max=$(cat "$dir/container/cpu.max")" \
		"pids.max=$(cat "$dir/container/pids.max") memory.swap.max=$(cat "$dir/container/memory.swap.max")"
	busctl call org.oci.Runtime "$obj" org.oci.Runtime.Container Delete b true
	echo
done
rm -rf "$bundle"
