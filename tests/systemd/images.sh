#!/bin/bash
# Issue 24 under ocid.service: images from a real docker-registry on loopback (its own
# config, port and storage, killed by pid at the end) and from an oci-archive, for root
# (the store under ocid's state dir) and for ocidtest7 in her logind session (her store in
# her XDG data home, unpacked as her with umoci --rootless, her confined container).
# TAP; run by tests/systemd/inside.sh (root), after desktop.sh has made her session work.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/systemd/session.sh"
user=ocidtest7
home=/home/$user
ctl() { timeout 120 ocictl --no-ask-password "$@"; }

for tool in skopeo umoci docker-registry; do
	if ! command -v "$tool" >/dev/null; then
		echo "ok 1 - images # SKIP $tool is not installed"
		echo "1..1"
		exit 0
	fi
done
systemctl start systemd-logind.service || { echo "Bail out! no systemd-logind"; exit 1; }

work=$(mktemp -d /tmp/ocid-images-XXXXXX)
chmod 0755 "$work"
registry_pid=""
cleanup() {
	[ -z "$registry_pid" ] || kill -9 "$registry_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
"$top/tests/make-image.sh" "$work/image" || { echo "Bail out! make-image.sh failed"; exit 1; }
chmod -R a+rX "$work/image"

# A free port: the registry says so by answering; another port if it could not bind.
for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 30000))
	cat >"$work/registry.yml" <<YAML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YAML
	docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
	registry_pid=$!
	for _ in $(seq 100); do
		curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break 2
		kill -0 "$registry_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$registry_pid" 2>/dev/null
	wait "$registry_pid" 2>/dev/null
	registry_pid=""
done
[ -n "$registry_pid" ] || { echo "Bail out! docker-registry did not start"; exit 1; }
ref=127.0.0.1:$port/ocid-test/busybox:1
timeout 60 skopeo copy --quiet --dest-tls-verify=false "oci:$work/image/layout:1" "docker://$ref" ||
	{ echo "Bail out! skopeo could not push the test image"; exit 1; }
expected=$(printf 'hello from the image\nFOO=bar\n/tmp\n1000')

# Root: the default store, under ocid's state dir.
out=$(ctl pull --tls-verify=false "$ref" 2>&1) && ok "root pulls $ref" || not_ok "root pulls: $out"
[ -d /var/lib/ocid/images/images ] && ok "root's store is /var/lib/ocid/images" ||
	not_ok "root's store is /var/lib/ocid/images"
out=$(ctl run --name img-root "$ref" 2>&1)
[ "$out" = "$expected" ] && ok "root runs the image's entrypoint" || not_ok "root runs it: $out"
out=$(ctl inspect img-root 2>&1)
case $out in *'"ImageName" : "'"$ref"'"'*'"Confined" : false'*) ok "root's container: ImageName" ;;
*) not_ok "root's container: $out" ;; esac
out=$(ctl rmi "$ref" 2>&1) && not_ok "rmi of an image in use was allowed" ||
	case $out in *"in use"*) ok "rmi refused while root's container uses it" ;;
	*) not_ok "rmi refused: $out" ;; esac
ctl rm img-root >/dev/null && ok "root removes the container" || not_ok "root rm"
out=$(ctl rmi "$ref" 2>&1) && ok "root removes the image" || not_ok "root rmi: $out"

# Hers, in her session.
user_script=$(cat <<'USER'
set -u
n=$1 ref=$2 work=$3
expected=$(printf 'hello from the image\nFOO=bar\n/tmp\n1000')
status=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*"; status=1; }
ctl() { timeout 120 ocictl --no-ask-password "$@"; }
store=$HOME/.local/share/ocid/images
id=$(ctl pull --tls-verify=false "$ref" 2>&1) && ok "she pulls $ref" || not_ok "she pulls: $id"
owner=$(stat -c %U "$store/images/$id/bundle/rootfs/bin/busybox" 2>&1)
[ "$owner" = "$(id -un)" ] && ok "her image is unpacked as her, in her XDG data home" ||
	not_ok "her image's files are hers: $owner"
out=$(ctl pull "oci-archive:$work/image/busybox.tar" 2>&1)
[ "$out" = "$id" ] && ok "she pulls the oci-archive: the same image" || not_ok "oci-archive: $out"
out=$(ctl run --name img-hers "$ref" 2>&1)
[ "$out" = "$expected" ] && ok "she runs the image's entrypoint as its user 1000" ||
	not_ok "she runs it: $out"
out=$(ctl inspect img-hers 2>&1)
case $out in *'"Confined" : true'*) ok "her container is confined" ;; *) not_ok "confined: $out" ;; esac
out=$(ctl run --rm "$ref" 'echo $FOO; pwd; id -u; echo x >/tmp/mine && echo wrote' 2>&1)
[ "$out" = "$(printf 'bar\n/tmp\n1000\nwrote')" ] && ok "she runs a command of hers in it" ||
	not_ok "her command: $out"
out=$(ctl run --rm --pull=never "$ref" 'id -u; ls -ln /bin/busybox' 2>&1)
case $out in *"1000"*" 0 "*" 0 "*) ok "inside, her files are root's" ;; *) not_ok "owners inside: $out" ;; esac
out=$(ctl images 2>&1)
case $out in *ocid-test/busybox*) ok "ocictl images lists hers" ;; *) not_ok "images: $out" ;; esac
out=$(ctl rmi "$id" 2>&1) && not_ok "rmi of her image in use was allowed" ||
	case $out in *"in use"*) ok "rmi refused while her container uses it" ;; *) not_ok "rmi: $out" ;; esac
ctl rm img-hers >/dev/null && ok "she removes her container" || not_ok "her rm"
out=$(ctl image prune --all 2>&1) && [ "$out" = "$id" ] && ok "image prune removes her unused image" ||
	not_ok "image prune: $out"
left=$(ls -A "$store/containers"; ls -A "$store/tmp")
[ -z "$left" ] && ok "nothing is left in her store" || not_ok "left in her store: $left"
echo "n=$n"
exit $status
USER
)
printf '%s\n' "$user_script" >"$home/images-user.sh"
chmod 0644 "$home/images-user.sh"
session_tap "$user" "$home" "$home/images-user.sh" "$ref" "$work"

# The registry stopped: its own exit code, and nothing half-pulled.
kill -9 "$registry_pid"
wait "$registry_pid" 2>/dev/null
registry_pid=""
ctl pull --tls-verify=false "$ref" >/dev/null 2>&1
code=$?
[ $code = 121 ] && ok "a pull from a stopped registry exits 121" || not_ok "stopped registry: exit $code"
[ -z "$(ls /var/lib/ocid/images/tmp)" ] && ok "a failed pull leaves nothing in the store" ||
	not_ok "a failed pull left $(ls /var/lib/ocid/images/tmp)"
echo "1..$n"
exit $status
