#!/bin/bash
# Builds ocid and runs every test: the default build with -Werror, then the ASan+UBSan
# lane (meson tests, then the systemd suite with a sanitized daemon), then the fuzzers.
# Needs root (real runc containers). Prints "N passed, N failed, N skipped" at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 skipped=0
# Adds "PASSED FAILED SKIPPED" (the output of tap_count or testlog_count) to the totals.
add_counts() {
	local p f s
	read -r p f s <<<"$1"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# Counts the TAP subtests in a file: "ok" passed, "ok ... # SKIP" skipped, "not ok ...
# # TODO" (g_test_incomplete) skipped, "not ok" and "Bail out!" failed.
tap_count() {
	python3 - "$1" <<'PY'
import re, sys
p = f = s = 0
for line in open(sys.argv[1], errors="replace"):
    if re.match(r"ok\b", line):
        if re.search(r"#\s*skip", line, re.I):
            s += 1
        else:
            p += 1
    elif re.match(r"not ok\b", line):
        if re.search(r"#\s*todo", line, re.I):
            s += 1
        else:
            f += 1
    elif line.startswith("Bail out!"):
        f += 1
print(p, f, s)
PY
}

# meson writes one JSON object per test to testlog.json, with the test's stdout: a TAP
# test counts by its subtests (so "ok ... # SKIP" is a skip, not a pass; meson itself
# reports a binary whose every subtest skipped as SKIP), any other by its result. A
# failed test whose TAP names no failure (a crash) counts as one failure.
testlog_count() {
	python3 - "$1" <<'PY'
import json, re, sys
p = f = s = 0
bad = {"FAIL", "ERROR", "TIMEOUT", "INTERRUPT", "UNEXPECTEDPASS"}
for line in open(sys.argv[1]):
    test = json.loads(line)
    result = test.get("result")
    tp = tf = ts = 0
    for out in test.get("stdout", "").splitlines():
        if re.match(r"ok\b", out):
            if re.search(r"#\s*skip", out, re.I):
                ts += 1
            else:
                tp += 1
        elif re.match(r"not ok\b", out):
            if re.search(r"#\s*todo", out, re.I):
                ts += 1
            else:
                tf += 1
        elif out.startswith("Bail out!"):
            tf += 1
    if tp + tf + ts == 0:
        if result in ("OK", "EXPECTEDFAIL"):
            tp = 1
        elif result == "SKIP":
            ts = 1
        else:
            tf = 1
    elif result in bad and tf == 0:
        tf = 1
    p, f, s = p + tp, f + tf, s + ts
print(p, f, s)
PY
}

count() {
	local log=$1/meson-logs/testlog.json
	[ -f "$log" ] || return 0
	add_counts "$(testlog_count "$log")"
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

# The systemd suite prints TAP from inside the harness; count its lines. A run that
# failed without naming a failure (the harness itself) counts as one.
systemd_suite() {
	local out counts f
	out=$(mktemp)
	local status=0
	timeout 1200 tests/systemd/run.sh "$@" 2>&1 | tee "$out" || status=$?
	counts=$(tap_count "$out")
	read -r _ f _ <<<"$counts"
	add_counts "$counts"
	[ "$status" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
	rm -f "$out"
	return $status
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
		tests/fuzz/fuzz-options >/dev/null
	if timeout 600 tests/fuzz/run.sh build-fuzz "${OCID_FUZZ_SECONDS:-20}"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		return 1
	fi
}

status=0
timed default lane build-ci || status=1
timed systemd systemd_suite build-systemd || status=1
timed asan lane build-asan -Db_sanitize=address,undefined || status=1
# The daemon under ASan+UBSan as ocid.service, on a real systemd.
timed systemd-asan systemd_suite build-systemd-asan --sanitize || status=1
timed fuzz fuzz_lane || status=1
echo "lane times: ${timings[*]}"
echo "ocid tests: $passed passed, $failed failed, $skipped skipped"
exit $status
