# TAP helpers for the scripts of tests/systemd (sourced): check WHAT CMD... prints "ok N" or
# "not ok N" and remembers a failure in $status; the predicates print what they saw when
# they fail; wait_for polls a command with a deadline (tests never sleep a fixed time).
# The emulated guest (tests/vm) is slower: OCID_TEST_TIME_SCALE stretches every bound.
# Also for journald.sh and machined.sh: same compares two texts, state_is asks ocictl for
# a container's state. A suite ends with 'echo "1..$n"; exit $status'.
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
contains() { grep -q -- "$2" <<<"$1" || { echo "# '$2' not in:" && sed 's/^/#   /' <<<"$1" | head -30; return 1; }; }
lacks() { ! grep -q -- "$2" <<<"$1" || { echo "# '$2' in:" && sed 's/^/#   /' <<<"$1" | head -30; return 1; }; }
equals() { [ "$1" = "$2" ] || { echo "# '$1' is not '$2'"; return 1; }; }
# wait_for SECONDS CMD...: until CMD succeeds, for at most SECONDS.
wait_for() {
	local deadline=$((SECONDS + $1 * ${OCID_TEST_TIME_SCALE:-1}))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}
# A command that could block, bounded.
bounded() { timeout $((60 * ${OCID_TEST_TIME_SCALE:-1})) "$@"; }
show() { cut -c1-200 <<<"$1" | head -30 | sed 's/^/# /'; }
same() { [ "$1" = "$2" ] || { show "$(diff <(echo "$1") <(echo "$2"))"; return 1; }; }
state_is() { [ "$(timeout 30 ocictl inspect -f '{{.State}}' "$1" 2>/dev/null)" = "$2" ]; }
