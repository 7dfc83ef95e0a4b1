#!/bin/sh
# Makes the test image from the busybox rootfs of tests/make-bundle.sh, with umoci, in
# every form ocictl pulls from:
#   tests/make-image.sh DIR
# DIR/layout               an OCI layout, tag "1"
# DIR/busybox.tar          the same as an oci-archive
# DIR/busybox-docker.tar   the same as a docker-archive (ocid-test/busybox:1)
# DIR/busybox-broken.tar   busybox.tar cut short, for the error of a corrupt archive
# The image's entrypoint is sh -c, its cmd prints its env, working dir and uid; it runs
# as 1000:1000 in /tmp with FOO=bar and stops on SIGINT.
set -eu
dir=$1
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
"$top/tests/make-bundle.sh" "$dir/.make-image" >/dev/null
chmod 1777 "$dir/.make-image/rootfs/tmp"
ln -sf busybox "$dir/.make-image/rootfs/bin/id"
umoci init --layout "$dir/layout"
umoci new --image "$dir/layout:1"
umoci insert --image "$dir/layout:1" "$dir/.make-image/rootfs" /
umoci config --image "$dir/layout:1" --config.entrypoint /bin/sh --config.entrypoint -c \
	--config.cmd 'echo hello from the image; echo FOO=$FOO; pwd; id -u' \
	--config.env FOO=bar --config.env PATH=/bin --config.workingdir /tmp \
	--config.user 1000:1000 --config.stopsignal SIGINT
umoci gc --layout "$dir/layout"
rm -rf "$dir/.make-image"
skopeo copy --quiet "oci:$dir/layout:1" "oci-archive:$dir/busybox.tar:1"
skopeo copy --quiet "oci:$dir/layout:1" "docker-archive:$dir/busybox-docker.tar:ocid-test/busybox:1"
head -c $(($(stat -c %s "$dir/busybox.tar") / 2)) "$dir/busybox.tar" >"$dir/busybox-broken.tar"
