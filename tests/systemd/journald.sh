#!/bin/bash
# The journald log driver under the harness's systemd (run by inside.sh once ocid.service
# has started). Prints TAP.
#  - each line is a journal entry with podman's fields (CONTAINER_ID, CONTAINER_ID_FULL,
#    CONTAINER_NAME, SYSLOG_IDENTIFIER, PRIORITY 6 or 3), a line longer than a read comes
#    as partial entries (CONTAINER_PARTIAL_MESSAGE=true) and a final one;
#  - ocictl logs, logs -f and logs --tail show the same lines as journalctl, in the CRI
#    format's terms (stdout to stdout, stderr to stderr, a partial last line unended);
#  - lines written while ocid.service is stopped are not lost (the monitor writes them);
#  - only the container's own entries are read: fields a user logs herself are not.
set -u
. "$(dirname "$0")/tap.sh"
journal_has() { timeout 30 journalctl -q --no-pager CONTAINER_NAME="$1" -o cat | grep -qxF -- "$2"; }

dir=$(mktemp -d /tmp/journald.XXXXXX)
# The long line is 131072 characters: more than two 64 KiB reads of the monitor. The
# container waits for the file "go" in its rootfs (written while ocid.service is stopped),
# then for "go2" (once an ocictl logs -f follows it), and its last line has no newline.
"$OCID_MAKE_BUNDLE" "$dir/bundle" /bin/sh -c '
	echo out-1; echo err-1 >&2
	long=x; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do long=$long$long; done
	echo "$long"
	while [ ! -e /go ]; do sleep 0.05; done
	echo out-while-down; echo err-while-down >&2
	while [ ! -e /go2 ]; do sleep 0.05; done
	echo out-followed
	printf partial-end' >/dev/null
chmod -R a+rX "$dir"
long=$(printf 'x%.0s' $(seq 131072))

timeout 60 ocictl create --name jd --log-driver journald "$dir/bundle" >/dev/null
id=$(timeout 30 ocictl inspect -f '{{.Id}}' jd)
path=$(timeout 30 busctl call org.oci.Runtime /org/oci/Runtime org.oci.Runtime.Manager \
	GetContainer s jd | cut -d'"' -f2)
check "the container's LogDriver is journald" test "$(timeout 30 busctl get-property \
	org.oci.Runtime "$path" org.oci.Runtime.Container LogDriver)" = 's "journald"'
timeout 60 ocictl start jd >/dev/null
check "the first lines reach the journal" wait_for 30 journal_has jd err-1

# The daemon stopped (nothing calls it meanwhile, so the bus does not start it again), the
# container writes; then it starts again.
timeout 60 systemctl stop ocid.service
touch "$dir/bundle/rootfs/go"
check "lines written while ocid is stopped reach the journal" \
	wait_for 30 journal_has jd err-while-down
check "ocid was stopped meanwhile" sh -c '! systemctl is-active --quiet ocid.service'
timeout 60 systemctl start ocid.service

follow_out=$dir/follow.out
follow_err=$dir/follow.err
timeout $((120 * scale)) ocictl logs -f jd >"$follow_out" 2>"$follow_err" &
follow_pid=$!
check "ocictl logs -f shows the lines so far" wait_for 30 grep -qx out-while-down "$follow_out"
check "ocictl logs -f shows the stderr lines so far" \
	wait_for 30 grep -qx err-while-down "$follow_err"
touch "$dir/bundle/rootfs/go2"
check "the container stops on its own" wait_for 60 state_is jd stopped
check "ocictl logs -f ends on its own once the container stopped" \
	wait_for 30 sh -c "! kill -0 $follow_pid 2>/dev/null"

# One line per entry: PRIORITY, partial or -, CONTAINER_ID, CONTAINER_NAME,
# SYSLOG_IDENTIFIER, _UID, the message's length and its start. With -a, journalctl shows
# long fields whole (no python3 in the cgroup v2 guest, so awk reads -o verbose).
summary=$(timeout 30 journalctl -q -a --no-pager CONTAINER_ID_FULL="$id" -o verbose \
	--output-fields=MESSAGE,PRIORITY,CONTAINER_ID,CONTAINER_NAME,SYSLOG_IDENTIFIER,CONTAINER_PARTIAL_MESSAGE,_UID |
	awk 'function flush() {
		if (seen) printf "%s %s %s %s %s %s %d %s\n", f["PRIORITY"], ("CONTAINER_PARTIAL_MESSAGE" in f) ? f["CONTAINER_PARTIAL_MESSAGE"] : "-", f["CONTAINER_ID"], f["CONTAINER_NAME"], f["SYSLOG_IDENTIFIER"], f["_UID"], length(f["MESSAGE"]), substr(f["MESSAGE"], 1, 20)
		delete f; seen = 0
	}
	/^[^ ]/ { flush(); seen = 1; next }
	{ sub(/^ +/, ""); k = $0; sub(/=.*/, "", k); v = $0; sub(/^[^=]*=/, "", v); f[k] = v }
	END { flush() }')
echo "$summary" | sed 's/^/# /'
short=${id:0:12}
check "stdout: PRIORITY 6, the 12-character id, the name" contains "$summary" "6 - $short jd jd 0 5 out-1"
check "stderr: PRIORITY 3" contains "$summary" "3 - $short jd jd 0 5 err-1"
# Its partial entries and the complete one that ends it (empty when the line ended at a
# read's end, as in the CRI file) add up to the line; stderr's may come between them.
long_entries=$(awk -v s="$short" '$1 != 6 || $3 != s { next }
	$2 == "true" && $8 ~ /^x/ { n++; sum += $7; next }
	n && $2 == "-" { sum += $7; print n, sum; exit }' <<<"$summary")
echo "# the long line: ${long_entries:-none} (partial entries, characters)"
check "the long line: partial entries, then a complete one, 131072 characters in all" \
	test "${long_entries#* }" = 131072 -a "${long_entries% *}" -ge 1
check "the last line, without its newline, is partial" contains "$summary" "6 true $short jd jd 0 11 partial-end"
check "the journal holds the lines written while ocid was stopped" \
	contains "$summary" "3 - $short jd jd 0 14 err-while-down"

out=$(timeout 60 ocictl logs jd 2>"$dir/logs.err")
err=$(cat "$dir/logs.err")
expected_out=$(printf 'out-1\n%s\nout-while-down\nout-followed\npartial-end' "$long")
expected_err=$(printf 'err-1\nerr-while-down')
check "ocictl logs: the stdout lines, the long one whole" same "$out" "$expected_out"
check "ocictl logs: the stderr lines on stderr" same "$err" "$expected_err"
check "ocictl logs -f showed the same lines" same "$(cat "$follow_out")" "$expected_out"
check "ocictl logs -f showed the same stderr lines" same "$(cat "$follow_err")" "$expected_err"
tail=$(timeout 60 ocictl logs --tail 2 jd 2>/dev/null)
check "ocictl logs --tail 2: the last two lines" same "$tail" "$(printf 'out-followed\npartial-end')"
# Of a stopped container, -f ends at the monitor's end entry, not after the 5 s that a
# monitor killed before writing it costs.
check "ocictl logs -f --tail 1 of a stopped container: its last line, then the end" \
	same "$(timeout $((3 * scale)) ocictl logs -f --tail 1 jd 2>&1)" partial-end
check "ocictl logs -f --tail 0 of a stopped container ends at once" \
	same "$(timeout $((3 * scale)) ocictl logs -f --tail 0 jd 2>&1; echo "exit $?")" "exit 0"
stamped=$(timeout 60 ocictl logs -t jd 2>&1)
check "ocictl logs -t: CRI lines" contains "$stamped" " stderr F err-1"
check "ocictl logs -t: the partial last line is a P record" contains "$stamped" " stdout P partial-end"

# A user's confined container: she reads its lines; another user may not read root's.
as_user() {
	local user=$1
	shift
	timeout 60 setpriv --reuid="$user" --regid="$user" --init-groups "$@"
}
"$OCID_MAKE_BUNDLE" "$dir/mine" /bin/sh -c 'echo her-line; echo her-error >&2' >/dev/null
chmod -R a+rX "$dir"
as_user ocidtest6 ocictl run -d --name jd-user --log-driver journald "$dir/mine" \
	>/dev/null
check "a user's journald container stops on its own" wait_for 60 state_is jd-user stopped
check "its owner reads its lines" same "$(as_user ocidtest6 ocictl logs jd-user 2>&1 |
	sort)" "$(printf 'her-error\nher-line')"
check "a user without the logs action may not read root's container" \
	sh -c "! timeout 60 setpriv --reuid=ocidtest1 --regid=ocidtest1 --init-groups \
		ocictl --no-ask-password logs jd >/dev/null 2>&1"
timeout 60 ocictl rm jd-user >/dev/null

# A user logging the container's id as her own field adds nothing to its log.
printf 'MESSAGE=forged-line\nCONTAINER_ID_FULL=%s\nCONTAINER_NAME=jd\n' "$id" >"$dir/forged"
chmod a+r "$dir/forged"
setpriv --reuid=ocidtest1 --regid=ocidtest1 --init-groups logger --journald="$dir/forged"
check "a user's forged entry is in the journal" wait_for 30 journal_has jd forged-line
check "ocictl logs leaves the forged entry out" lacks "$(timeout 60 ocictl logs jd 2>&1)" forged-line

# A second container of the same id does not read the first one's lines.
timeout 60 ocictl rm jd >/dev/null
"$OCID_MAKE_BUNDLE" "$dir/again" /bin/sh -c 'echo second-life' >/dev/null
timeout 60 ocictl create --name jd2 --log-driver journald "$dir/again" "$id" >/dev/null
timeout 60 ocictl start jd2 >/dev/null
check "a new container reads only its own lines" wait_for 30 sh -c \
	"test \"\$(timeout 30 ocictl logs jd2 2>&1)\" = second-life"
check "log_path with journald is refused" \
	sh -c "! timeout 60 ocictl create --log-driver journald --log-path $dir/x.log $dir/again 2>/dev/null"
check "an unknown log driver is refused" \
	sh -c "! timeout 60 ocictl create --log-driver syslog $dir/again 2>/dev/null"

# A monitor killed before its end entry: logs -f still ends, once the container stopped
# and the journal stayed quiet for 5 s.
"$OCID_MAKE_BUNDLE" "$dir/orphan" /bin/sh -c 'echo orphan; while true; do sleep 0.1; done' \
	>/dev/null
timeout 60 ocictl run -d --name jd-orphan --log-driver journald "$dir/orphan" >/dev/null
orphan_id=$(timeout 30 ocictl inspect -f '{{.Id}}' jd-orphan)
timeout $((120 * scale)) ocictl logs -f jd-orphan >"$dir/orphan.out" 2>&1 &
orphan_follow=$!
check "logs -f of the orphan's container follows" wait_for 30 grep -qx orphan "$dir/orphan.out"
pkill -KILL -f "^/usr/libexec/ocid-monitor --id $orphan_id "
timeout 60 ocictl kill jd-orphan >/dev/null
check "its container stops" wait_for 60 state_is jd-orphan stopped
check "logs -f ends without the monitor's end entry" \
	wait_for 30 sh -c "! kill -0 $orphan_follow 2>/dev/null"
timeout 60 ocictl rm -f jd-orphan >/dev/null

# Readers of the journal are bounded: 64 ocictl logs -f at once, and the next is refused.
"$OCID_MAKE_BUNDLE" "$dir/busy" /bin/sh -c 'echo busy; while true; do sleep 0.1; done' >/dev/null
timeout 60 ocictl run -d --name jd-busy --log-driver journald "$dir/busy" >/dev/null
followers=()
for i in $(seq 64); do
	timeout $((120 * scale)) ocictl logs -f jd-busy >"$dir/busy.$i" 2>&1 &
	followers+=($!)
done
all_following() { [ "$(cat "$dir"/busy.* | grep -c '^busy$')" = 64 ]; }
check "64 readers of the journal follow at once" wait_for 60 all_following
refused=$(timeout 60 ocictl logs jd-busy 2>&1)
check "the 65th is refused, saying why" contains "$refused" "the most ocid serves at once"
kill "${followers[@]}" 2>/dev/null
wait "${followers[@]}" 2>/dev/null
readable() { [ "$(timeout 60 ocictl logs jd-busy 2>&1)" = busy ]; }
check "once they closed, the log reads again" wait_for 30 readable
timeout 60 ocictl rm -f jd-busy >/dev/null

kill "$follow_pid" 2>/dev/null
timeout 60 ocictl rm -f jd2 >/dev/null 2>&1
rm -rf "$dir"
echo "1..$n"
exit $status
