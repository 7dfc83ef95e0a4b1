#!/bin/bash
# Builds ocid and runs every test: the default build with -Werror, then the ASan+UBSan
# lane. Needs root (real runc containers). Prints "N passed, N failed" at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0
count() {
	# meson writes one JSON object per test to testlog.json.
	local log=$1/meson-logs/testlog.json
	[ -f "$log" ] || return 0
	passed=$((passed + $(grep -c '"result": "OK"' "$log" || true)))
	failed=$((failed + $(grep -c '"result": "\(FAIL\|ERROR\|TIMEOUT\|INTERRUPT\)"' "$log" || true)))
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

# The systemd suite prints TAP from inside the harness; count its lines.
systemd_suite() {
	local out
	out=$(mktemp)
	local status=0
	timeout 1200 tests/systemd/run.sh build-systemd 2>&1 | tee "$out" || status=$?
	passed=$((passed + $(grep -c '^ok ' "$out" || true)))
	failed=$((failed + $(grep -c '^not ok \|^Bail out' "$out" || true)))
	rm -f "$out"
	return $status
}

# libFuzzer targets built with clang, each run briefly from its corpus.
fuzz_lane() {
	[ -d build-fuzz ] || CC=clang meson setup build-fuzz -Dfuzzing=true \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	ninja -C build-fuzz tests/fuzz/fuzz-config tests/fuzz/fuzz-state tests/fuzz/fuzz-seccomp \
		tests/fuzz/fuzz-options >/dev/null
	if timeout 600 tests/fuzz/run.sh build-fuzz "${OCID_FUZZ_SECONDS:-20}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		return 1
	fi
}

status=0
lane build-ci || status=1
systemd_suite || status=1
lane build-asan -Db_sanitize=address,undefined || status=1
fuzz_lane || status=1
echo "ocid tests: $passed passed, $failed failed"
exit $status
