# Sourced by tests/systemd/desktop.sh and images.sh: TAP lines counted in $n (a failure
# sets status=1), and a user's TAP script run in a logind session of hers. PAMName=login opens a PAM session: pam_systemd registers it with
# logind; XDG_SEAT puts it on seat0, which logind always has and which (having no VTs
# here) makes the first session on it active. Remote=no without PAM_RHOST.
# On a seat with VTs (the VM lane's guest: CanTTY=yes) logind wants a VT number, and the
# session is active when its VT is the one in front.

n=0
status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }

# session_tap USER HOME SCRIPT ARG...: runs /bin/sh SCRIPT N ARG... as USER (N is the
# caller's TAP count $n); prints its TAP lines, takes the count it ends with ("n=N") into
# $n, and sets status=1 when it failed or did not run to its end.
session_tap() {
	local user=$1 home=$2 script=$3 out user_status last active
	local vt=()
	shift 3
	if [ "$(loginctl show-seat seat0 -p CanTTY --value 2>/dev/null)" = yes ]; then
		active=$(cat /sys/class/tty/tty0/active 2>/dev/null)
		vt=(-E "XDG_VTNR=${active#tty}")
	fi
	# A file, not sh -c: systemd 252 expands $VARIABLES in a transient unit's command line.
	out=$(systemd-run --quiet --wait --pipe --collect --uid="$user" -p PAMName=login "${vt[@]}" \
		-p WorkingDirectory="$home" -E HOME="$home" -E XDG_SEAT=seat0 -E XDG_SESSION_TYPE=tty \
		-E XDG_SESSION_CLASS=user -- /bin/sh "$script" "$n" "$@" </dev/null 2>&1)
	user_status=$?
	echo "$out" | grep -v '^n='
	last=$(echo "$out" | sed -n 's/^n=//p' | tail -1)
	if [ -n "$last" ]; then
		n=$last
	else
		echo "not ok - $user's session did not run to its end (exit $user_status)"
		status=1
	fi
	[ $user_status = 0 ] || status=1
}
