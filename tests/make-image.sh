#!/bin/sh
# Makes the test image from the busybox rootfs of tests/make-bundle.sh, with umoci, in
# every form ocictl pulls from:
#   tests/make-image.sh DIR
# DIR/layout      an OCI layout, tag "1"
# DIR/image.tar   the same as an oci-archive
# DIR/docker.tar  the same as a docker-archive (ocid-test/busybox:1)
# DIR/broken.tar  image.tar cut short, for the error of a corrupt archive
# The image's entrypoint is sh -c, its cmd prints its env, working dir and uid; it runs
# as 1000:1000 in /tmp with FOO=bar and stops on SIGINT.
set -eu
dir=$1
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir"
"$top/tests/make-bundle.sh" "$dir/bundle" >/dev/null
chmod 1777 "$dir/bundle/rootfs/tmp"
ln -sf busybox "$dir/bundle/rootfs/bin/id"
umoci init --layout "$dir/layout"
umoci new --image "$dir/layout:1"
umoci insert --image "$dir/layout:1" "$dir/bundle/rootfs" /
umoci config --image "$dir/layout:1" --config.entrypoint /bin/sh --config.entrypoint -c \
	--config.cmd 'echo hello from the image; echo FOO=$FOO; pwd; id -u' \
	--config.env FOO=bar --config.env PATH=/bin --config.workingdir /tmp \
	--config.user 1000:1000 --config.stopsignal SIGINT
umoci gc --layout "$dir/layout"
rm -rf "$dir/bundle"
skopeo copy --quiet "oci:$dir/layout:1" "oci-archive:$dir/image.tar:1"
skopeo copy --quiet "oci:$dir/layout:1" "docker-archive:$dir/docker.tar:ocid-test/busybox:1"
head -c $(($(stat -c %s "$dir/image.tar") / 2)) "$dir/image.tar" >"$dir/broken.tar"
