#!/bin/bash
# Issue 19 under ocid.service (from tests/systemd/inside.sh, which made the users and
# rules): test-escape one test path at a time, so that one escape that aborts its test does
# not hide the next; then what the attempts left behind is deleted, and the desktop flows.
#   tests/systemd/escape.sh BUILD
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
bin=$build/tests/integration/test-escape
status=0
for path in $("$bin" -l | grep "^/"); do
	if "$bin" -p "$path"; then
		echo "ok - test-escape $path"
	else
		echo "not ok - test-escape $path"
		status=1
	fi
done
# A test that failed half-way may leave containers (all named esc-*).
for id in $(ocictl --no-ask-password list --all --quiet --no-trunc --filter id=esc-); do
	ocictl --no-ask-password rm --force "$id" >/dev/null || status=1
done
"$top/tests/systemd/desktop.sh" || status=1
exit $status
