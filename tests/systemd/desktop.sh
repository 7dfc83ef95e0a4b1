#!/bin/bash
# Issue 19, a desktop user's flows under ocid.service, with real systemd-logind and
# polkitd: ocidtest7 (no polkit rule grants her anything) logs in through PAM
# (systemd-run -p PAMName=login, on seat0, so logind gives her an active local session),
# and with the default allow_active=yes of org.oci.Runtime.create and ownership alone she
# creates, runs, reads the logs of, execs in, attaches to and deletes her own containers,
# through gdbus and through ocictl, without a password; she is refused root's container.
# Root still runs a privileged one. TAP; run by tests/systemd/escape.sh (root).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/systemd/session.sh"
user=ocidtest7
home=/home/$user
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# logind is bus-activatable; the harness's minimal target does not start it.
systemctl start systemd-logind.service || { echo "Bail out! no systemd-logind"; exit 1; }

# Her bundles, in her home, hers.
mkbundle() { # mkbundle NAME SCRIPT
	"$top/tests/make-bundle.sh" "$home/$1" /bin/sh -c "$2"
}
mkbundle plain 'echo hello-desk'
mkbundle sleeper 'echo up; sleep 300'
mkbundle echoer 'read line; echo got-$line'
mkbundle notifier 'sd-notify READY=1 STATUS=hers; echo said; sleep 300'
chown -R "$user:" "$home"
# Root's: one to be refused to her, one on the host's network (privileged).
roots=$(mktemp -d /tmp/ocid-desktop-XXXXXX)
chmod 0755 "$roots"
"$top/tests/make-bundle.sh" "$roots/roots" /bin/sh -c 'sleep 300'
"$top/tests/make-bundle.sh" "$roots/hostnet" /bin/sh -c 'busybox readlink /proc/self/ns/net'
sed -i 's/, { "type": "network" }//' "$roots/hostnet/config.json"
ocictl --no-ask-password run --detach --name desk-roots "$roots/roots" desk-roots >/dev/null ||
	not_ok "root runs desk-roots"

# What she runs, in her session; its TAP lines come back through the pipe. Each ocictl
# waits for what it asks (run shows the output until the exit, attach until the end).
user_script=$(cat <<'USER'
set -u
n=$1
status=0
B=$HOME
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
ctl() { ocictl --no-ask-password "$@"; }
dbus() { gdbus call --system --dest=org.oci.Runtime "$@"; }
session=$(loginctl show-session "${XDG_SESSION_ID:-none}" -p Active -p Remote -p Seat 2>&1)
echo "# session ${XDG_SESSION_ID:-none}: $(echo $session)"
case $session in *Active=yes*) ok "her logind session is active" ;; *) not_ok "her session is active: $session" ;; esac
case $session in *Remote=no*) ok "her logind session is local" ;; *) not_ok "her session is local: $session" ;; esac
if out=$(pkcheck --action-id org.oci.Runtime.create --process $$ 2>&1); then
	ok "polkit allows her org.oci.Runtime.create"
else
	not_ok "polkit allows her org.oci.Runtime.create (pkcheck exit $?): $out"
fi
if pkcheck --action-id org.oci.Runtime.manage --process $$ >/dev/null 2>&1; then
	not_ok "polkit does not give her org.oci.Runtime.manage"
else
	ok "polkit does not give her org.oci.Runtime.manage"
fi

# gdbus: create, start, wait, delete.
out=$(dbus --object-path /org/oci/Runtime --method org.oci.Runtime.Manager.CreateContainer desk-bus '' "$B/plain" '{}' 2>&1) &&
	ok "CreateContainer of her own" || not_ok "CreateContainer of her own: $out"
p=/org/oci/Runtime/container/desk_2dbus
out=$(dbus --object-path $p --method org.oci.Runtime.Container.Start 2>&1) &&
	ok "Start of her own" || not_ok "Start of her own: $out"
out=$(dbus --object-path $p --method org.oci.Runtime.Container.Wait 2>&1)
case $out in "(0, false)") ok "Wait: it exited 0" ;; *) not_ok "Wait: $out" ;; esac
out=$(dbus --object-path $p --method org.freedesktop.DBus.Properties.Get org.oci.Runtime.Container Owner 2>&1)
case $out in "(<uint32 $(id -u)>,)") ok "Owner is her uid" ;; *) not_ok "Owner is her uid: $out" ;; esac
out=$(dbus --object-path $p --method org.freedesktop.DBus.Properties.Get org.oci.Runtime.Container Confined 2>&1)
case $out in "(<true>,)") ok "Confined" ;; *) not_ok "Confined: $out" ;; esac
out=$(dbus --object-path $p --method org.oci.Runtime.Container.Delete false 2>&1) &&
	ok "Delete of her own" || not_ok "Delete of her own: $out"

# ocictl: run (create, start, output), logs, exec, attach, stop, rm.
out=$(ctl run "$B/plain" desk-run 2>&1) && [ "$out" = hello-desk ] &&
	ok "ocictl run of her own" || not_ok "ocictl run of her own: $out"
out=$(ctl logs desk-run 2>&1) && [ "$out" = hello-desk ] &&
	ok "ocictl logs of her own" || not_ok "ocictl logs of her own: $out"
out=$(ctl run --detach "$B/sleeper" desk-sleep 2>&1) &&
	ok "ocictl run --detach of her own" || not_ok "ocictl run --detach: $out"
out=$(ctl exec desk-sleep echo inside 2>&1) && [ "$out" = inside ] &&
	ok "ocictl exec in her own" || not_ok "ocictl exec in her own: $out"
out=$(ctl run --detach --interactive "$B/echoer" desk-echo 2>&1) &&
	ok "ocictl run --interactive of her own" || not_ok "ocictl run --interactive: $out"
out=$(echo ping | timeout 60 ocictl --no-ask-password attach desk-echo 2>&1)
case $out in *got-ping*) ok "ocictl attach to her own" ;; *) not_ok "ocictl attach to her own: $out" ;; esac
out=$(ctl stop desk-sleep 2>&1) && ok "ocictl stop of her own" || not_ok "ocictl stop of her own: $out"
# Readiness in her confined container: its NOTIFY_SOCKET takes the word of her uid.
out=$(ctl create --sdnotify=ready "$B/notifier" desk-ready 2>&1) && out=$(ctl start desk-ready 2>&1) &&
	ok "ocictl create --sdnotify=ready and start of her own" || not_ok "create --sdnotify=ready: $out"
for i in $(seq 300); do
	out=$(ctl inspect -f '{{.Ready}} {{.StatusText}}' desk-ready 2>&1)
	[ "$out" != "true hers" ] || break
	sleep 0.1
done
[ "$out" = "true hers" ] && ok "her confined container said READY=1 and STATUS=hers" ||
	not_ok "her container's readiness: $out"
out=$(ctl rm --force desk-run desk-sleep desk-echo desk-ready 2>&1) &&
	ok "ocictl rm of her own" || not_ok "ocictl rm of her own: $out"

# Root's: refused, and said so.
out=$(ctl stop desk-roots 2>&1) && not_ok "ocictl stop of root's container was allowed" ||
	case $out in *AccessDenied*|*"ot authorized"*) ok "ocictl stop of root's container refused: $(echo $out | head -c 160)" ;;
	*) not_ok "ocictl stop of root's container: $out" ;; esac
out=$(dbus --object-path /org/oci/Runtime/container/desk_2droots --method org.oci.Runtime.Container.Delete true 2>&1) &&
	not_ok "Delete of root's container was allowed" ||
	case $out in *org.oci.Runtime.Error.AccessDenied*) ok "Delete of root's container: AccessDenied" ;;
	*) not_ok "Delete of root's container: $out" ;; esac
out=$(ctl exec desk-roots echo inside 2>&1) && not_ok "ocictl exec in root's container was allowed" ||
	ok "ocictl exec in root's container refused"
echo "n=$n"
exit $status
USER
)
printf '%s\n' "$user_script" >"$home/desktop-user.sh"
chmod 0644 "$home/desktop-user.sh"
session_tap "$user" "$home" "$home/desktop-user.sh"

# No refusal changed root's container.
state=$(busctl get-property org.oci.Runtime /org/oci/Runtime/container/desk_2droots \
	org.oci.Runtime.Container State 2>&1)
check "root's container still runs ($state)" [ "$state" = 's "running"' ]
ocictl --no-ask-password rm --force desk-roots >/dev/null || not_ok "root removes desk-roots"

# Root: a privileged container on the host's network.
out=$(ocictl --no-ask-password run --privileged "$roots/hostnet" desk-hostnet 2>&1)
check "root runs a privileged container on the host's network ($out)" \
	[ "$out" = "$(readlink /proc/self/ns/net)" ]
ocictl --no-ask-password rm --force desk-hostnet >/dev/null 2>&1
rm -rf "$roots"
echo "1..$n"
exit $status
