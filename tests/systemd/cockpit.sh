#!/bin/bash
# Issue 23: the Cockpit page cockpit-ocid in a real browser, under ocid.service, real
# polkitd and a real cockpit-ws on loopback. An ordinary user, ocidweb (a password, a
# shell; polkit gives her org.oci.Runtime.create and nothing else), logs in and drives the
# page (tests/systemd/cockpit-browser.py); root's container is refused to her, until she
# turns on Cockpit's administrative access (sudo, her password) and acts as root.
# Skips (TAP "# SKIP") where cockpit-ws, chromium, chromedriver or the installed page are
# missing, as in the VM lane's guest. Run by tests/systemd/inside.sh (root), after the
# daemon is installed and started.
#   tests/systemd/cockpit.sh BUILD_DIR
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
user=ocidweb
port=9090
ws=/usr/lib/cockpit/cockpit-ws
page=/usr/share/cockpit/ocid/manifest.json
shots=$build/cockpit-screenshots

skip() {
	echo "ok 1 - the Cockpit page in a real browser # SKIP $*"
	exit 0
}
[ -x $ws ] || skip "no cockpit-ws"
[ -e /usr/share/cockpit/base1/cockpit.js ] || [ -e /usr/share/cockpit/base1/cockpit.js.gz ] ||
	skip "no cockpit-bridge"
[ -e /usr/share/cockpit/shell/index.html ] || skip "no cockpit-system"
command -v chromium >/dev/null || skip "no chromium"
command -v chromedriver >/dev/null || skip "no chromedriver (chromium-driver)"
[ -e $page ] || skip "the page is not installed (meson -Dcockpit=disabled, or no npm)"

started=$(date +%s.%N)
# logind gives her login a session (pam_systemd), as on a real host.
systemctl start systemd-logind.service || true
# The harness's minimal target never ran systemd-user-sessions.service, so /run/nologin
# ("System is booting up") would refuse her login through pam_nologin.
systemctl start systemd-user-sessions.service || rm -f /run/nologin

id -u $user >/dev/null 2>&1 || useradd -m -s /bin/sh $user
password=ocid-web-$RANDOM$RANDOM
echo "$user:$password" | chpasswd
# Cockpit's administrative access goes through sudo, as on Debian for its admins.
usermod -aG sudo $user
mkdir -p /etc/polkit-1/rules.d
cat > /etc/polkit-1/rules.d/60-ocid-cockpit-test.rules <<'RULES'
/* tests/systemd/cockpit.sh: the web user creates containers, and acts on her own ones
 * (ocid needs no polkit for those); she may not manage anyone else's. */
polkit.addRule(function(action, subject) {
	if (action.id == "org.oci.Runtime.create" && subject.user == "ocidweb")
		return polkit.Result.YES;
});
RULES
systemctl restart polkit.service

# Bundles: hers in her home; root's in a dir of its own.
home=$(getent passwd $user | cut -d: -f6)
"$top/tests/make-bundle.sh" "$home/sleeper" /bin/sh -c 'echo up; sleep 600' >/dev/null
# web-log prints what the test puts in /tmp/go (its own tmpfs), once it is there.
"$top/tests/make-bundle.sh" "$home/logger" /bin/sh -c \
	'echo log-start; until [ -e /tmp/go ]; do sleep 0.1; done; cat /tmp/go; sleep 600' >/dev/null
chown -R $user: "$home"
roots=$(mktemp -d /tmp/ocid-cockpit-XXXXXX)
chmod 0755 "$roots"
"$top/tests/make-bundle.sh" "$roots/roots" /bin/sh -c 'sleep 600' >/dev/null

status=0
# cockpit-ws as Cockpit's own http instance runs it (cockpit-wsinstance-http.service),
# on loopback without TLS; it logs in through cockpit-session and PAM.
systemd-run --quiet --unit=ocid-test-cockpit-ws -p User=cockpit-wsinstance \
	-p Group=cockpit-wsinstance $ws --no-tls --address 127.0.0.1 --port $port
deadline=$(($(date +%s) + 30))
until timeout 2 bash -c "echo >/dev/tcp/127.0.0.1/$port" 2>/dev/null; do
	[ "$(date +%s)" -lt $deadline ] || { echo "not ok - cockpit-ws listens on $port"; exit 1; }
	sleep 0.1
done

WEB_BUNDLES=$home ROOT_BUNDLES=$roots timeout 300 "$top/tests/systemd/cockpit-browser.py" \
	"http://127.0.0.1:$port" $user "$password" "$shots" || status=1
echo "# the Cockpit browser lane took $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }") s in all"

if [ $status -ne 0 ]; then
	echo "# cockpit-ws's journal:"
	journalctl -u ocid-test-cockpit-ws --no-pager -n 40 | sed 's/^/# /'
fi
systemctl stop ocid-test-cockpit-ws.service 2>/dev/null
for c in web-roots web-log web-victim web-new web-form; do
	timeout 60 ocictl --no-ask-password rm -f $c >/dev/null 2>&1
done
rm -rf "$roots"
exit $status
