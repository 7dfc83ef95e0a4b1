#!/bin/sh
# Whatever the prefix, the files that other programs read install where those programs
# look (their pkg-config variables): the polkit actions where polkitd reads them, the bus
# policy and activation file where dbus-daemon reads them, completion where bash and fish
# load it, the generator where systemd runs it (issue 13: under /usr/local, the policy went
# where polkitd never looks).
#   tests/check-install-dirs.sh BUILD_DIR
set -u
installed=$(meson introspect --installed "$1") || exit 1
status=0
expect() { # FILE-NAME DIR
	dests=$(printf '%s' "$installed" | python3 -c "import json, sys
for dest in json.load(sys.stdin).values():
    if dest.endswith('/$1'): print(dest)")
	printf '%s\n' "$dests" | grep -qxF -- "$2/$1" ||
		{ echo "$1 installs to '$dests', not into $2"; status=1; }
}
var() { pkg-config --variable="$2" "$1" 2>/dev/null || true; }

policydir=$(var polkit-gobject-1 policydir)
expect org.oci.Runtime.policy "${policydir:-/usr/share/polkit-1/actions}"
dbusdata=$(var dbus-1 datadir)
expect org.oci.Runtime.conf "${dbusdata:-/usr/share}/dbus-1/system.d"
services=$(var dbus-1 system_bus_services_dir)
expect org.oci.Runtime.service "${services:-/usr/share/dbus-1/system-services}"
# systemd runs generators only from its own directories (issue 22).
generatordir=$(var systemd systemdsystemgeneratordir)
expect ocid-generator "${generatordir:-/usr/lib/systemd/system-generators}"
bashdir=$(var bash-completion completionsdir)
[ -z "$bashdir" ] || expect ocictl "$bashdir"
fishdir=$(var fish completionsdir)
[ -z "$fishdir" ] || expect ocictl.fish "$fishdir"
exit $status
