#!/bin/bash
# Builds ocid and runs every test: the default build with -Werror, then the ASan+UBSan
# lane (meson tests, then the systemd suite with a sanitized daemon), then the fuzzers.
# Needs root (real runc containers). Prints "N passed, N failed, N skipped" at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0
# Every failure, named, printed again at the end: a CI log is often read from its tail.
failures=()
note_failures() {
	local lane=$1 line
	while IFS= read -r line; do
		failures+=("$lane: $line")
	done
}
# Adds "PASSED FAILED SKIPPED" (from scripts/count-tests.py) to the totals.
add_counts() {
	local p f s
	read -r p f s <<<"$1"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# meson's testlog.json of a build dir.
count() {
	local log=$1/meson-logs/testlog.json
	[ -f "$log" ] || return 0
	add_counts "$(scripts/count-tests.py testlog "$log")"
	note_failures "$1" < <(scripts/count-tests.py failures-testlog "$log")
}

lane() {
	local dir=$1
	shift
	[ -d "$dir" ] || meson setup "$dir" -Dwerror=true "$@" >/dev/null
	ninja -C "$dir"
	local status=0
	timeout 1200 meson test -C "$dir" --print-errorlogs --num-processes 1 || status=$?
	count "$dir"
	return $status
}

# The systemd suite and the VM lane print TAP from inside the harness or the guest; count
# their lines. A run that failed without naming a failure (the harness itself) counts as one.
tap_suite() {
	local out counts f
	out=$(mktemp)
	local status=0
	"$@" 2>&1 | tee "$out" || status=$?
	counts=$(scripts/count-tests.py tap "$out")
	read -r _ f _ <<<"$counts"
	add_counts "$counts"
	note_failures "$*" < <(scripts/count-tests.py failures-tap "$out")
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		failures+=("$*: exit $status with no test named")
	fi
	rm -f "$out"
	return $status
}
systemd_suite() { tap_suite timeout 1200 tests/systemd/run.sh "$@"; }
# The systemd and feature suites in a pure cgroup v2 Debian 12 guest under qemu, once with
# runc and once with crun (tests/vm/run.sh): some 15 minutes, plus 3 for the guest's image
# on a fresh machine. OCID_VM_LANE=0 leaves it out (a quick local run).
vm_lane() {
	[ "${OCID_VM_LANE:-1}" != 0 ] || return 0
	tap_suite timeout 2700 tests/vm/run.sh
}

# Runs a lane and says how long it took, for keeping CI time in check.
timed() {
	local name=$1 start status=0
	shift
	start=$(date +%s)
	"$@" || status=$?
	timings+=("$name $(($(date +%s) - start))s")
	return $status
}
timings=()

# libFuzzer targets built with clang, each run briefly from its corpus.
fuzz_lane() {
	[ -d build-fuzz ] || CC=clang meson setup build-fuzz -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	ninja -C build-fuzz tests/fuzz/fuzz-config tests/fuzz/fuzz-state tests/fuzz/fuzz-seccomp \
		tests/fuzz/fuzz-options tests/fuzz/fuzz-bus-dict >/dev/null
	if timeout 600 tests/fuzz/run.sh build-fuzz "${OCID_FUZZ_SECONDS:-20}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("fuzz: tests/fuzz/run.sh failed")
		return 1
	fi
}

status=0
timed default lane build-ci || status=1
timed systemd systemd_suite build-systemd || status=1
# The Cockpit page is built by the default lane and tested by the systemd suites; its
# JavaScript has nothing for the sanitizers.
# UBSan only prints by default: a report must fail the test (meson 1.0 sets no options).
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
	timed asan lane build-asan -Db_sanitize=address,undefined -Dcockpit=disabled || status=1
# The daemon under ASan+UBSan as ocid.service, on a real systemd.
timed systemd-asan systemd_suite build-systemd-asan --sanitize || status=1
timed vm vm_lane || status=1
timed fuzz fuzz_lane || status=1
echo "lane times: ${timings[*]}"
for f in "${failures[@]}"; do
	echo "FAILED $f"
done
echo "ocid tests: $passed passed, $failed failed, $skipped skipped"
exit $status
