#!/bin/bash
# Runs each fuzz target for SECONDS (default 20) from its corpus, in a build made with
# -Dfuzzing=true (clang):   tests/fuzz/run.sh BUILD_DIR [SECONDS]
# New interesting inputs go to a scratch copy; a crash leaves its input in the build dir
# and fails the run. Keep crashers in tests/fuzz/corpus/<target>/ once fixed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
seconds=${2:-20}
status=0
for target in config state seccomp options bus-dict; do
	scratch=$(mktemp -d)
	cp -r "$top/tests/fuzz/corpus/$target/." "$scratch/"
	echo "# fuzz-$target for ${seconds}s"
	if ! (cd "$build" && "./tests/fuzz/fuzz-$target" -max_total_time="$seconds" \
		-max_len=65536 -print_final_stats=1 "$scratch" 2>&1 | tail -4 | sed 's/^/#   /'); then
		status=1
	fi
	rm -rf "$scratch"
done
exit $status
