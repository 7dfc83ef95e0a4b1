#!/bin/sh
# The manuals as a user reads them: each renders with man -l without a groff warning,
# ocictl(1) names every command that 'ocictl --help' lists, ocid.conf(5) every key of
# data/ocid.conf, and org.oci.Runtime(5) every member of the interface XML.
# ocid(8) names the configuration file that 'ocid --help' names, the one it reads.
#   man/check-man.sh SOURCE_DIR BUILD_MAN_DIR OCICTL OCID
set -u
top=$1 built=$2 ocictl=$3 ocid=$4
status=0
fail() { echo "$*"; status=1; }

for page in ocid.8 ocictl.1 ocid.conf.5 ocid.container.5 org.oci.Runtime.5; do
	out=$(MANWIDTH=80 man --warnings -l "$built/$page" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "$page: man -l warns: $out"
	text=$(MANWIDTH=80 man -l "$built/$page" 2>/dev/null)
	[ -n "$text" ] || fail "$page renders empty"
done

ocictl_text=$(MANWIDTH=200 man -l "$built/ocictl.1" 2>/dev/null)
for command in $("$ocictl" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | tr -d ,); do
	echo "$ocictl_text" | grep -qw -- "$command" || fail "ocictl(1) does not name the command $command"
done

conf_text=$(MANWIDTH=200 man -l "$built/ocid.conf.5" 2>/dev/null)
for key in $(sed -n 's/^#\{0,1\}\([a-z_]*\) *=.*/\1/p' "$top/data/ocid.conf"); do
	echo "$conf_text" | grep -qw -- "$key" || fail "ocid.conf(5) does not name the key $key"
done

api_text=$(MANWIDTH=200 man -l "$built/org.oci.Runtime.5" 2>/dev/null)
for member in $(sed -n 's/.*<\(property\|method\|signal\) name="\([A-Za-z]*\)".*/\2/p' "$top"/dbus/*.xml); do
	echo "$api_text" | grep -qw -- "$member" || fail "org.oci.Runtime(5) does not name $member"
done
config=$("$ocid" --help | sed -n 's/.*(default \([^)]*\)).*/\1/p')
[ -n "$config" ] || fail "ocid --help names no default configuration file"
MANWIDTH=200 man -l "$built/ocid.8" 2>/dev/null | grep -qF -- "$config" ||
	fail "ocid(8) does not name $config, the file ocid --help names"
exit $status
