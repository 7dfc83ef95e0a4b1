#!/bin/bash
# ocictl -H (issue 22) through a real sshd that this test starts on loopback, inside the
# harness (only lo): host keys and a client key made here, root's key authorized in a file
# of the test's own, sshd -D on a free port, killed by its pid. ssh finds the test's key and
# known_hosts through a wrapper first in PATH (ssh -F), so nothing of root's ~/.ssh is
# touched. Without sshd (the VM lane's guest image may lack it), the whole test is skipped.
# Prints TAP.
#   tests/systemd/remote.sh BUILD (run by inside.sh, after ocid.service has started)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/systemd/tap.sh
. "$top/tests/systemd/tap.sh"
scale=${OCID_TEST_TIME_SCALE:-1}

sshd=/usr/sbin/sshd
for needed in "$sshd" /usr/bin/ssh /usr/bin/ssh-keygen /usr/bin/systemd-stdio-bridge; do
	if [ ! -x "$needed" ]; then
		echo "1..0 # SKIP $needed is missing (openssh-server, openssh-client, systemd)"
		exit 0
	fi
done

dir=$(mktemp -d /tmp/ocid-remote.XXXXXX)
sshd_pid=
cleanup() {
	[ -z "$sshd_pid" ] || kill -KILL "$sshd_pid" 2>/dev/null
	ocictl --no-ask-password rm --force --ignore remote-seen >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" -C ocid-test-host
ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key" -C ocid-test-client
cp "$dir/client_key.pub" "$dir/authorized_keys"
cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $dir/host_key
PidFile none
AuthorizedKeysFile $dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
EOF
# The port is known only once sshd listens (below); ssh reads it from this file then.
cat >"$dir/ssh_config" <<EOF
Host localhost 127.0.0.1
	HostName 127.0.0.1
	Port PORT
	IdentityFile $dir/client_key
	IdentitiesOnly yes
	UserKnownHostsFile $dir/known_hosts
	StrictHostKeyChecking yes
	BatchMode yes
EOF
mkdir -p "$dir/bin"
printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$dir/ssh_config" >"$dir/bin/ssh"
chmod +x "$dir/bin/ssh"
export PATH=$dir/bin:$PATH
# sshd's privilege separation directory.
mkdir -p /run/sshd
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
# A port picked at random (no python3 in the VM lane's guest to ask the kernel for one);
# one that is taken makes sshd exit at once, and the next is tried.
for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	listening && continue
	"$sshd" -D -e -f "$dir/sshd_config" -p "$port" 2>"$dir/sshd.log" &
	sshd_pid=$!
	deadline=$((SECONDS + 20 * scale))
	until listening || [ $SECONDS -ge $deadline ] || ! kill -0 "$sshd_pid" 2>/dev/null; do
		sleep 0.1
	done
	listening && break
	{
		kill -KILL "$sshd_pid"
		wait "$sshd_pid"
	} 2>/dev/null
	sshd_pid=
done
check "sshd listens on 127.0.0.1:$port" listening || { sed 's/^/# /' "$dir/sshd.log"; }
sed -i "s/Port PORT/Port $port/" "$dir/ssh_config"
echo "[127.0.0.1]:$port $(cat "$dir/host_key.pub")" >"$dir/known_hosts"

"$OCID_MAKE_BUNDLE" "$dir/bundle" /bin/sh -c 'trap "exit 0" TERM; while true; do sleep 0.1; done' >/dev/null
ocictl --no-ask-password create --name remote-seen "$dir/bundle" >/dev/null

out=$(bounded ocictl -H root@localhost ps -a 2>&1)
code=$?
check "ocictl -H root@localhost ps -a: exit 0" equals "$code" 0
check "it lists the container made on the local bus" contains "$out" "remote-seen"
check "through sshd: root logged in with the test's key" contains "$(cat "$dir/sshd.log")" "Accepted publickey for root"

out=$(bounded ocictl --host=root@127.0.0.1:$port inspect -f '{{.State}}' remote-seen 2>&1)
check "--host=USER@HOST:PORT: inspect shows the state" equals "$out" created
bounded ocictl -H root@localhost start remote-seen >/dev/null 2>&1
check "ocictl -H start acts on the container" equals "$(ocictl inspect -f '{{.State}}' remote-seen)" running
bounded ocictl -H root@localhost stop --time 1 remote-seen >/dev/null 2>&1
check "ocictl -H stop stops it" equals "$(ocictl inspect -f '{{.State}}' remote-seen)" stopped

# The commands that need a file descriptor from ocid say so, and do nothing.
count_before=$(ocictl ps -a --quiet | wc -l)
for command in "logs remote-seen" "attach remote-seen" "exec remote-seen true" "run $dir/bundle"; do
	out=$(bounded ocictl -H root@localhost $command 2>&1)
	code=$?
	check "ocictl -H ${command%% *}: exit 125" equals "$code" 125
	check "ocictl -H ${command%% *}: says it needs a local bus" contains "$out" "needs a local bus"
done
check "run without --detach created nothing" equals "$(ocictl ps -a --quiet | wc -l)" "$count_before"
bounded ocictl -H root@localhost run --detach --name remote-run "$dir/bundle" >/dev/null 2>&1
check "ocictl -H run --detach creates and starts" equals "$(ocictl inspect -f '{{.State}}' remote-run 2>&1)" running
ocictl --no-ask-password rm --force remote-run >/dev/null 2>&1

# A host nobody answers on: ocictl says how it tried.
# (bash reports the killed job on the shell's own stderr.)
{
	kill -KILL "$sshd_pid"
	wait "$sshd_pid"
} 2>/dev/null
sshd_pid=
out=$(bounded ocictl -H root@localhost ps 2>&1)
code=$?
check "an unreachable host: exit 125" equals "$code" 125
check "an unreachable host: the message names it and ssh" \
	contains "$out" "cannot reach the system bus of root@localhost over ssh"
out=$(ocictl -H 'root@localhost:99999' ps 2>&1)
check "a bad port is refused before ssh runs" contains "$out" "the port must be a number"
out=$(ocictl -H root@localhost --address unix:path=/x ps 2>&1)
check "-H and --address together are refused" contains "$out" "name two buses"

echo "1..$n"
exit $status
