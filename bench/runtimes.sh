#!/bin/bash
# runc and crun side by side, wherever each can run containers: the benchmark driver's
# life-cycle phase (bench/phase-lifecycle.c: a bare `<runtime> run` of `true`, and ocid's create,
# start, exit notification and delete of the same bundle with runtime_path = <runtime>),
# once per runtime.
#   bench/runtimes.sh [--runs N] [--build DIR | --driver BIN --ocid BIN --monitor BIN]
#                     [--ratios-only]
# --build (default build/) takes the driver, ocid and ocid-monitor of a meson build dir.
# In an emulated guest (tests/vm under TCG) absolute times mean nothing: only ratios are
# printed (--ratios-only, implied when systemd-detect-virt says qemu). A runtime that cannot
# run here (crun on a hybrid host) is reported as such, not measured. Needs root. Nothing
# here fails on speed.
#   tests/vm/run.sh -- bench/runtimes.sh --runs 15     in the pure cgroup v2 guest
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=30
build=$top/build
driver="" ocid="" monitor=""
ratios_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--driver) driver=$2; shift 2 ;;
	--ocid) ocid=$2; shift 2 ;;
	--monitor) monitor=$2; shift 2 ;;
	--ratios-only) ratios_only=1; shift ;;
	*) sed -n '2,14p' "$0" >&2; exit 2 ;;
	esac
done
[ -n "${OCID_VM_BUILD:-}" ] && [ -z "$driver" ] &&
	driver=$OCID_VM_BUILD/bench/ocid-bench ocid=/usr/sbin/ocid monitor=/usr/libexec/ocid-monitor
: "${driver:=$build/bench/ocid-bench}" "${ocid:=$build/daemon/ocid}"
: "${monitor:=$build/monitor/ocid-monitor}"
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
driver=$(abs "$driver") ocid=$(abs "$ocid") monitor=$(abs "$monitor")
for f in "$driver" "$ocid" "$monitor"; do
	[ -x "$f" ] || { echo "runtimes.sh: $f is missing; build first (ninja -C build)" >&2; exit 1; }
done
if [ "$(systemd-detect-virt 2>/dev/null || true)" = qemu ]; then
	ratios_only=1
fi

tmp=$(mktemp -d /tmp/ocid-runtimes.XXXXXX)
cgroup_name=ocid-runtimes-$$
cleanup() {
	local proc pid root id dir name path
	set +e
	for proc in /proc/[0-9]*; do
		pid=${proc#/proc/}
		[ "$pid" = $$ ] && continue
		{ tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null | grep -qF "$tmp" && kill -KILL "$pid" 2>/dev/null
	done
	for name in runc crun; do
		path=$(command -v "$name") || continue
		for root in "$tmp/$name/run/runtime" "$tmp/$name/peers/runc-root" "$tmp/probe-$name"; do
			for id in "$root"/*; do
				[ -d "$id" ] && timeout 30 "$path" --root "$root" delete --force "${id##*/}" \
					>/dev/null 2>&1
			done
		done
	done
	for dir in /sys/fs/cgroup/"$cgroup_name" /sys/fs/cgroup/*/"$cgroup_name"; do
		[ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$top/tests/make-bundle.sh" "$tmp/true" /bin/true
"$top/tests/make-bundle.sh" "$tmp/sleep" /bin/sh -c 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'
"$top/tests/make-bundle.sh" "$tmp/short" /bin/sleep 0.3

get() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'; }

declare -A bare ocid_lc problem
names=()
for name in runc crun; do
	path=$(command -v "$name" || true)
	[ -n "$path" ] || continue
	names+=("$name")
	# Can it run a container here at all?
	probe=$tmp/probe-$name
	if ! out=$(cd "$tmp/true" && timeout 120 "$path" --root "$probe" run "probe-$name" 2>&1); then
		problem[$name]=$(echo "$out" | head -1)
		continue
	fi
	mkdir -p "$tmp/$name/out"
	timeout 3600 "$driver" --tmp "$tmp/$name" --out "$tmp/$name/out" --ocid "$ocid" \
		--monitor "$monitor" --runc "$path" --bundle-true "$tmp/true" \
		--bundle-sleep "$tmp/sleep" --bundle-short "$tmp/short" \
		--cgroup-parent "/$cgroup_name/$name" --runs "$runs" --only lifecycle >&2
	bare[$name]=$(get lc.runc.p50 "$tmp/$name/out/results.txt")
	ocid_lc[$name]=$(get lc.ocid.p50 "$tmp/$name/out/results.txt")
done

echo "## runc and crun side by side ($runs life cycles each, median ms; kernel $(uname -r), /sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup))"
echo
if [ $ratios_only = 1 ]; then
	echo "Emulated guest: ratios only."
	echo
	echo "| runtime | ocid life cycle vs bare run | bare run vs runc's | ocid life cycle vs runc's |"
	echo "|---|---|---|---|"
else
	echo "| runtime | bare \`run\` | ocid life cycle | ocid vs bare | bare vs runc's | ocid vs runc's |"
	echo "|---|---|---|---|---|---|"
fi
for name in "${names[@]}"; do
	version=$("$(command -v "$name")" --version | head -1)
	if [ -n "${problem[$name]:-}" ]; then
		echo "| $version | cannot run here: ${problem[$name]} |"
		continue
	fi
	if [ $ratios_only = 1 ]; then
		echo "| $version | $(ratio "${ocid_lc[$name]}" "${bare[$name]}") |" \
			"$(ratio "${bare[$name]}" "${bare[runc]:-}") | $(ratio "${ocid_lc[$name]}" "${ocid_lc[runc]:-}") |"
	else
		echo "| $version | ${bare[$name]} | ${ocid_lc[$name]} | $(ratio "${ocid_lc[$name]}" "${bare[$name]}") |" \
			"$(ratio "${bare[$name]}" "${bare[runc]:-}") | $(ratio "${ocid_lc[$name]}" "${ocid_lc[runc]:-}") |"
	fi
done
