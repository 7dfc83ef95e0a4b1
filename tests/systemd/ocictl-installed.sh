#!/bin/bash
# ocictl and its files as meson install puts them, under the harness's systemd and real
# polkitd (run by inside.sh, after ocid.service has started). Prints TAP.
#  - the polkit actions, D-Bus policy, completion and manuals are where polkitd, dbus,
#    bash, zsh, fish and man look; the unit's Documentation= names the manual;
#  - ocid --help names the configuration file that the installed build reads;
#  - a user's ocictl on a terminal (a pty made by script) starts pkttyagent, so polkit asks
#    for a password; with --no-ask-password, or without a terminal, nothing asks.
set -u
. "$(dirname "$0")/tap.sh"

check "polkit actions where polkitd reads them" test -f /usr/share/polkit-1/actions/org.oci.Runtime.policy
check "D-Bus policy where dbus-daemon reads it" test -f /usr/share/dbus-1/system.d/org.oci.Runtime.conf
check "bash completion in bash-completion's completionsdir" test -f /usr/share/bash-completion/completions/ocictl
check "zsh completion in Debian's vendor-completions" test -f /usr/share/zsh/vendor-completions/_ocictl
check "fish completion in fish's vendor_completions.d" test -f /usr/share/fish/vendor_completions.d/ocictl.fish
for page in 8:ocid 1:ocictl 5:ocid.conf 5:org.oci.Runtime; do
	check "man ${page#*:}(${page%%:*}) is installed and renders" \
		bash -c "MANWIDTH=80 man ${page%%:*} ${page#*:} 2>/dev/null | grep -q NAME"
done
check "the unit's Documentation= is the manual" \
	contains "$(systemctl show -p Documentation --value ocid.service)" "man:ocid(8)"
check "ocid --help names the file it reads" contains "$(/usr/sbin/ocid --help)" "/etc/ocid/ocid.conf"

# A container that only root created; ocidtest1 has no polkit rule.
dir=$(mktemp -d /tmp/ocictl-installed.XXXXXX)
"$OCID_MAKE_BUNDLE" "$dir/bundle" /bin/sh -c 'trap "exit 0" TERM; while true; do sleep 0.1; done' >/dev/null
chmod -R a+rX "$dir"
ocictl create --name asked "$dir/bundle" >/dev/null
as_user() { setpriv --reuid=ocidtest1 --regid=ocidtest1 --init-groups "$@"; }

# On a terminal in a login session (su opens one through pam_systemd; script makes the
# terminal): pkttyagent asks, the wrong answer is refused, and ocictl says what to run.
# The emulated guest (tests/vm) is some 20 times slower: its time scale stretches the bound.
on_terminal() {
	timeout $((60 * ${OCID_TEST_TIME_SCALE:-1})) su -s /bin/sh ocidtest1 -c "script -qefc '$*' /dev/null" 2>&1
}
out=$(printf 'not-the-password\n' | on_terminal ocictl start asked)
code=$?
echo "# ocictl start on a terminal: exit $code"
check "on a terminal, polkit asks through pkttyagent" contains "$out" "AUTHENTICATING FOR org.oci.Runtime.manage"
check "a refused authorization is exit 125" test "$code" = 125
check "the refusal names the ocictl command" contains "$out" "ocictl start"
check "the container is unchanged" test "$(ocictl inspect -f '{{.State}}' asked)" = created

out=$(on_terminal ocictl --no-ask-password start asked </dev/null)
code=$?
check "--no-ask-password: nothing asks" lacks "$out" "AUTHENTICATING"
check "--no-ask-password: refused, exit 125" test "$code" = 125

out=$(as_user timeout 60 ocictl start asked </dev/null 2>&1)
code=$?
check "without a terminal nothing asks" lacks "$out" "AUTHENTICATING"
check "without a terminal: refused, exit 125" test "$code" = 125
out=$(as_user ocictl ps -a 2>&1)
check "reads are open to every user" contains "$out" "asked"

ocictl rm -f asked >/dev/null
rm -rf "$dir"
echo "1..$n"
exit $status
