#!/bin/bash
# Declarative containers (issue 22) under the harness's systemd and ocid.service, as an
# administrator uses them: .container files in /etc/ocid/containers and
# /usr/lib/ocid/containers, systemctl daemon-reload, then start, status, stop, restart; a
# failing container fails its unit; a broken file gets a message naming file, line and key,
# and no unit; systemd-analyze verify of every generated unit is clean. Prints TAP.
#   tests/systemd/generator.sh BUILD (run by inside.sh, after ocid.service has started)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/systemd/tap.sh
. "$top/tests/systemd/tap.sh"
state_of() { ocictl --no-ask-password inspect -f '{{.State}}' "$1" 2>/dev/null; }
id_of() { ocictl --no-ask-password inspect -f '{{.Id}}' "$1" 2>/dev/null; }
unit_prop() { systemctl show -p "$2" --value "$1"; }

generator=$(pkg-config --variable=systemdsystemgeneratordir systemd 2>/dev/null)
generator=${generator:-/usr/lib/systemd/system-generators}/ocid-generator
admin=/etc/ocid/containers vendor=/usr/lib/ocid/containers
dir=$(mktemp -d /tmp/ocid-generator.XXXXXX)
mkdir -p "$admin" "$vendor"
cleanup() {
	systemctl stop gen-web.service gen-fail.service gen-ready.service gen-healthy.service 2>/dev/null
	systemctl reset-failed gen-fail.service 2>/dev/null
	rm -f "$admin"/gen-*.container "$vendor"/gen-*.container
	systemctl daemon-reload
	rm -rf "$dir"
}
trap cleanup EXIT

# web: says hello, answers SIGUSR1, and says goodbye on its stop signal (SIGINT here, not
# the default).
"$OCID_MAKE_BUNDLE" "$dir/web" /bin/sh -c \
	'echo web says hello \"$GREETING\"; trap "echo web got USR1" USR1; trap "echo web stops on SIGINT; exit 0" INT; while true; do sleep 0.1; done' >/dev/null
"$OCID_MAKE_BUNDLE" "$dir/fail" /bin/sh -c 'echo fail is failing; exit 3' >/dev/null
cat >"$vendor/gen-web.container" <<EOF
[Unit]
Description=the vendor's web, replaced by /etc's
[Container]
Bundle=$dir/web
EOF
cat >"$admin/gen-web.container" <<EOF
# The administrator's web server
[Unit]
Description=Generator test web
After=network-online.target

[Container]
Bundle=$dir/web
Label=app=web "team=web ops"
Annotation=org.example.tier=front
Environment=GREETING="from the unit"
HealthCmd=test -d /proc/1
HealthInterval=1s
StopSignal=SIGINT
StopTimeout=5
Notify=running

[Install]
WantedBy=multi-user.target
EOF
cat >"$admin/gen-fail.container" <<EOF
[Container]
Bundle=$dir/fail
EOF
cat >"$admin/gen-broken.container" <<EOF
[Unit]
Description=A file with an error on line 6

[Container]
Bundle=$dir/web
Restart=always
EOF
# The vendor's file alone is masked by an empty one of the same name in /etc.
cat >"$vendor/gen-masked.container" <<EOF
[Container]
Bundle=$dir/web
EOF
: >"$admin/gen-masked.container"

check "ocid-generator is where systemd runs generators" test -x "$generator"
# A container has no /dev/kmsg, where the generator logs when systemd runs it (journald
# reads it on a host). A FIFO stands in for it during the reload, so that what systemd's
# run of the generator says is read here (opened read-write: it never blocks).
kmsg_stand_in=0
if [ ! -e /dev/kmsg ] && mkfifo -m 0600 /dev/kmsg 2>/dev/null; then
	kmsg_stand_in=1
	exec 3<>/dev/kmsg
fi
bounded systemctl daemon-reload
if [ $kmsg_stand_in = 1 ]; then
	rm -f /dev/kmsg
	kmsg=
	while IFS= read -r -t $((10 * ${OCID_TEST_TIME_SCALE:-1})) line <&3; do
		case $line in *ocid-generator*gen-broken*) kmsg=$line && break ;; esac
	done
	exec 3<&-
	check "run by systemd, the generator logs to /dev/kmsg as daemon.err, named" \
		contains "$kmsg" "^<27>ocid-generator\[[0-9]*\]: $admin/gen-broken.container:6: Restart=: not supported"
elif [ -c /dev/kmsg ]; then
	# A real kernel log (the VM lane's guest): journald imports it.
	in_journal() {
		journalctl -b -t ocid-generator -o cat --no-pager 2>/dev/null |
			grep -q "$admin/gen-broken.container:6: Restart=: not supported"
	}
	check "the journal has the generator's message with file, line and key" wait_for 20 in_journal
fi
out=$(systemctl cat gen-web.service 2>&1)
check "daemon-reload: gen-web.service exists, written from the /etc file" \
	contains "$out" "Written by ocid-generator from $admin/gen-web.container"
check "systemctl shows it as generated from its .container file" \
	contains "$(systemctl status gen-web.service 2>&1)" "Loaded: loaded ($admin/gen-web.container; generated)"
check "/etc's file wins over the vendor's" equals "$(unit_prop gen-web Description)" "Generator test web"
check "[Unit] passes through: After=network-online.target, and after ocid.service" \
	contains "$(unit_prop gen-web After)" "network-online.target.*ocid.service\|ocid.service.*network-online.target"
check "WantedBy=multi-user.target: the unit starts at boot without systemctl enable" \
	contains "$(unit_prop gen-web WantedBy)" "multi-user.target"
check "the wants link is in the generator dir" \
	test -L /run/systemd/generator/multi-user.target.wants/gen-web.service
check "Type=notify" equals "$(unit_prop gen-web Type)" notify
check "ExecStop stops with the stop timeout" contains "$(unit_prop gen-web ExecStop)" "stop --time 5 gen-web"
check "a masked vendor file gets no unit" equals "$(unit_prop gen-masked LoadState)" not-found

# The broken file: no unit, and the message names file, line and key. It is run again by
# hand, as systemd does (SYSTEMD_SCOPE set), with systemd's SYSTEMD_LOG_TARGET=stderr so
# that what it says is read here, also where a real /dev/kmsg would take it (the guest).
check "a broken file gets no unit" equals "$(unit_prop gen-broken LoadState)" not-found
mkdir -p "$dir/out" "$dir/early" "$dir/late"
said=$(SYSTEMD_SCOPE=system SYSTEMD_LOG_TARGET=stderr "$generator" "$dir/out" "$dir/early" \
	"$dir/late" 2>&1)
code=$?
check "the generator exits 0 with a broken file (it never fails the boot)" equals "$code" 0
check "the message names the file, the line and the key" \
	contains "$said" "$admin/gen-broken.container:6: Restart=: not supported: .*use Restart= in \[Service\]"
check "the message says no unit was written" contains "$said" "no unit written"
check "by hand too, no gen-broken.service" test ! -e "$dir/out/gen-broken.service"
check "the good files are written all the same" test -f "$dir/out/gen-web.service" -a -f "$dir/out/gen-fail.service"

for unit in /run/systemd/generator/gen-*.service; do
	out=$(bounded systemd-analyze verify "$unit" 2>&1)
	code=$?
	check "systemd-analyze verify $(basename "$unit") is clean" \
		bash -c "[ $code = 0 ] && [ -z \"\$1\" ] || { echo \"# exit $code: \$1\"; exit 1; }" _ "$out"
done

# start: active only once the container runs (ocictl run sends READY=1 after Start).
bounded systemctl start gen-web.service
code=$?
check "systemctl start gen-web: exit 0" equals "$code" 0
check "when start returns, the container runs" equals "$(state_of gen-web)" running
check "and the unit is active" equals "$(systemctl is-active gen-web.service)" active
out=$(ocictl inspect gen-web)
check "the container has the file's labels" contains "$out" '"team" : "web ops"'
check "and its annotations" contains "$out" '"org.example.tier" : "front"'
first_id=$(id_of gen-web)
has_hello() { systemctl status gen-web.service --no-pager -n 20 2>&1 | grep -q "web says hello"; }
check "systemctl status shows the container's output (its journal)" wait_for 20 has_hello
out=$(systemctl status gen-web.service --no-pager 2>&1)
check "systemctl status: active (running)" contains "$out" "Active: active (running)"
check "systemctl status: the container's state" contains "$out" "Status: \"Container $first_id is running\""
health_is() { [ "$(ocictl --no-ask-password inspect -f '{{.Health}}' gen-web 2>/dev/null)" = "$1" ]; }
check "HealthCmd=: ocid checks the container, which becomes healthy" wait_for 30 health_is healthy
check "journalctl -u shows the output under the unit's name" \
	contains "$(journalctl -u gen-web.service --no-pager -o cat)" "web says hello \"from the unit\""

# A restart of ocid (an upgrade) leaves the container running, and the unit active: ocictl
# run follows the log of the new ocid, so what the container says later still reaches the
# unit's journal.
bounded systemctl restart ocid.service
check "after systemctl restart ocid, the unit is still active" \
	equals "$(systemctl is-active gen-web.service)" active
check "and its container is the same, running" \
	bash -c '[ "$(ocictl inspect -f "{{.Id}}" gen-web)" = "$1" ] && [ "$(ocictl inspect -f "{{.State}}" gen-web)" = running ]' _ "$first_id"
bounded ocictl --no-ask-password kill --signal USR1 gen-web >/dev/null
has_usr1() { journalctl -u gen-web.service --no-pager -o cat | grep -q "web got USR1"; }
check "what the container says after the restart reaches the unit's journal" wait_for 20 has_usr1

# restart: a new container in place of the old one.
bounded systemctl restart gen-web.service
check "systemctl restart: active" equals "$(systemctl is-active gen-web.service)" active
check "restart made a new container, running" \
	bash -c '[ "$(ocictl inspect -f "{{.State}}" gen-web)" = running ] && [ "$(ocictl inspect -f "{{.Id}}" gen-web)" != "$1" ]' _ "$first_id"
check "the old container is gone" bash -c '! ocictl inspect "$1" >/dev/null 2>&1' _ "$first_id"

# stop: the stop signal reaches the container, the unit is inactive (not failed), the
# container is removed.
bounded systemctl stop gen-web.service
check "systemctl stop: inactive, not failed" equals "$(systemctl is-active gen-web.service)" inactive
has_goodbye() { journalctl -u gen-web.service --no-pager -o cat | grep -q "web stops on SIGINT"; }
check "the container got its stop signal, SIGINT" wait_for 20 has_goodbye
check "the stopped container is removed" bash -c '! ocictl inspect gen-web >/dev/null 2>&1'

# A container that exits 3 fails its unit with its exit code.
bounded systemctl start gen-fail.service
is_failed() { [ "$(systemctl is-failed gen-fail.service)" = failed ]; }
check "a container exiting 3 fails its unit" wait_for 30 is_failed
check "the unit's result is exit-code" equals "$(unit_prop gen-fail Result)" exit-code
check "the unit's main status is the container's exit code" equals "$(unit_prop gen-fail ExecMainStatus)" 3
check "systemctl status shows the failing container's output" \
	contains "$(systemctl status gen-fail.service --no-pager 2>&1)" "fail is failing"
check "the failed container is removed" bash -c '! ocictl inspect gen-fail >/dev/null 2>&1'

# Readiness (issue 21): a Type=notify unit running 'ocictl run --sdnotify=ready' becomes
# active only once its container says READY=1 on its own NOTIFY_SOCKET, and one with
# --sdnotify=healthy only once the health check passes. Each container waits for a file
# of the test's before it gets there, so the unit is seen activating while it runs.
mkdir -p "$dir/flags"
"$OCID_MAKE_BUNDLE" "$dir/ready" /bin/sh -c \
	'trap "exit 0" TERM; echo ready is up; while [ ! -e /flags/go ]; do sleep 0.05; done; sd-notify READY=1 "STATUS=serving"; echo ready said so; while true; do sleep 0.1; done' >/dev/null
"$OCID_MAKE_BUNDLE" "$dir/healthy" /bin/sh -c \
	'trap "exit 0" TERM; echo healthy is up; while true; do sleep 0.1; done' >/dev/null
cat >"$admin/gen-ready.container" <<EOF
[Container]
Bundle=$dir/ready
Volume=$dir/flags:/flags:ro
Notify=ready
EOF
cat >"$admin/gen-healthy.container" <<EOF
[Container]
Bundle=$dir/healthy
Volume=$dir/flags:/flags:ro
HealthCmd=test -e /flags/healthy
HealthInterval=1s
HealthRetries=1
Notify=healthy
EOF
systemctl daemon-reload
check "Notify=ready: ExecStart is ocictl run --sdnotify=ready" \
	contains "$(systemctl cat gen-ready.service)" "run --sdnotify=ready "
for mode in ready healthy; do
	bounded systemctl start --no-block gen-$mode.service
	# (not $what: check's own local would hide it from the predicates)
	check "$mode: the container runs" wait_for 30 state_is gen-$mode running
	check "$mode: the unit is activating while the container is not $mode" \
		equals "$(systemctl is-active gen-$mode.service)" activating
	if [ $mode = ready ]; then
		check "ready: the container is not Ready yet" \
			equals "$(ocictl --no-ask-password inspect -f '{{.Ready}}' gen-ready)" false
		touch "$dir/flags/go"
	else
		touch "$dir/flags/healthy"
	fi
	active() { [ "$(systemctl is-active gen-$mode.service)" = active ]; }
	check "$mode: the unit is active once the container is $mode" wait_for 30 active
done
check "ready: inspect shows Ready" \
	equals "$(ocictl --no-ask-password inspect -f '{{.Ready}}' gen-ready)" true
check "ready: inspect shows what it said last" \
	equals "$(ocictl --no-ask-password inspect -f '{{.StatusText}}' gen-ready)" serving
check "ready: systemctl status shows the container's status" \
	contains "$(systemctl status gen-ready.service --no-pager 2>&1)" "Status: \"Container .* is ready\""
check "healthy: the container is healthy" \
	equals "$(ocictl --no-ask-password inspect -f '{{.Health}}' gen-healthy)" healthy
bounded systemctl stop gen-ready.service gen-healthy.service
check "ready and healthy units stop, inactive" \
	equals "$(systemctl is-active gen-ready.service gen-healthy.service | sort -u)" inactive

# 'ocictl run --sdnotify=healthy' without a check is refused before anything is made.
out=$(bounded ocictl run --sdnotify=healthy "$dir/web" 2>&1)
code=$?
check "ocictl run --sdnotify=healthy without --health-cmd is refused, exit 125, nothing created" \
	bash -c '[ "$1" = 125 ] && grep -q -- "--sdnotify=healthy needs a health check" <<<"$2" &&
		! ocictl ps -a | grep -q web' _ "$code" "$out"

echo "1..$n"
exit $status
