# TAP for the shell suites under tests/systemd, sourced: check WHAT CMD... prints "ok N" or
# "not ok N" and sets status; contains/lacks/same compare text and show it on a failure;
# wait_for SECONDS CMD... polls CMD (every 0.1 s) until it succeeds, for at most SECONDS
# times OCID_TEST_TIME_SCALE (the emulated guest is slower). The suite ends with
# 'echo "1..$n"; exit $status'.
n=0 status=0
scale=${OCID_TEST_TIME_SCALE:-1}
check() {
	local what=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		status=1
	fi
}
show() { cut -c1-200 <<<"$1" | head -30 | sed 's/^/# /'; }
contains() { grep -qF -- "$2" <<<"$1" || { echo "# '$2' not in:"; show "$1"; return 1; }; }
lacks() { ! grep -qF -- "$2" <<<"$1" || { echo "# '$2' in:"; show "$1"; return 1; }; }
same() { [ "$1" = "$2" ] || { show "$(diff <(echo "$1") <(echo "$2"))"; return 1; }; }
wait_for() {
	local seconds=$1
	shift
	local deadline=$((SECONDS + seconds * scale))
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}
state_is() { [ "$(timeout 30 ocictl inspect -f '{{.State}}' "$1" 2>/dev/null)" = "$2" ]; }
