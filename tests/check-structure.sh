#!/bin/sh
# What issues #9 and #20 made true of the tree, kept true: every C, header and shell file of
# the daemon, the D-Bus face, the monitor, the client, common/, the tests and the bench is
# at most 700 lines; org.oci.Runtime.Error
# names are spelled in daemon/errors.c alone; the installed monitor carries no test hook.
#   tests/check-structure.sh SOURCE_DIR MONITOR_BINARY
set -u
top=$1
monitor=$2
status=0

for f in $(find "$top"/daemon "$top"/dbus "$top"/monitor "$top"/common "$top"/client \
	"$top"/tests "$top"/bench -type f \( -name '*.c' -o -name '*.h' -o -name '*.sh' \) \
	-not -path '*/.build/*' | sort); do
	lines=$(wc -l <"$f")
	if [ "$lines" -gt 700 ]; then
		echo "$f has $lines lines, more than 700: split it by concept"
		status=1
	fi
done

literals=$(grep -ln '"org\.oci\.Runtime\.Error\.' "$top"/daemon/*.[ch] "$top"/dbus/*.[ch] \
	"$top"/monitor/*.[ch] "$top"/client/*.[ch] "$top"/common/*.[ch] | grep -v '/daemon/errors\.c$')
if [ -n "$literals" ]; then
	echo "D-Bus error names spelled outside daemon/errors.c: $literals"
	status=1
fi

if grep -q OCID_MONITOR_PROBE "$monitor"; then
	echo "$monitor carries the test-only syscall probe"
	status=1
fi
exit $status
