#!/bin/bash
# ocid benchmarks, side by side with bare runc, conmon + runc and podman.
#
#   bench/run.sh [--quick] [--install] [options]
#
# Builds an optimized ocid and the C driver (bench/*.c) in bench/.build, runs every
# benchmark on a private D-Bus bus with private runc roots, cgroups and a temporary dir,
# prints a table and writes docs/benchmarks.md with docs/benchmarks-latency.png. Nothing
# here fails on speed; it fails only when something breaks. Needs root (runc, cgroups).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

usage() {
  cat <<EOF
usage: bench/run.sh [options]
  --quick             fewer runs (2-3 minutes): 15 life cycles, 50 containers at scale,
                      20 idle containers for 10 s
  --install           apt-get install what is missing (conmon podman gnuplot-nox ...)
  --runs N            life-cycle runs per runner (default 100; quick 15)
  --signal-runs N     exit-to-notification runs (default 100; quick 15)
  --scale N           containers for the scale and restart benchmarks (default 500; quick 50)
  --clients N         concurrent clients in the second scale run (default 8)
  --idle-count N      containers during the idle measurement (default 100; quick 20)
  --idle-sec N        length of the idle measurement (default 60; quick 10)
  --idle-health N     of the idle containers, N get a health check every 10 s (default 0)
  --only LIST         comma-separated phases: lifecycle,signal,memory,idle,scale,restart
  --no-conmon         leave conmon out
  --no-podman         leave podman out
  --no-python         leave the python-dbus client out
  --confined-user U   the non-root user whose confined containers are measured beside
                      root's (default ocidbench: created with useradd, and a subuid range,
                      when missing, and removed again at the end)
  --no-confined       leave the confined containers out
  --runtime PATH      the OCI runtime for every runner (default: runc on PATH), e.g.
                      /usr/bin/crun in the cgroup v2 guest
  --no-tmpfs          keep ocid's run_dir and the peers' runtime roots on the temporary
                      dir's disk instead of a tmpfs (as /run is on a systemd host)
  --no-docs           print the table only; leave docs/ alone
  --no-build          use the ocid already built in bench/.build (e.g. while the tree does
                      not build)
  --ocid-build DIR    use the ocid and ocid-monitor of this meson build dir instead
  --keep              keep the temporary dir (for debugging)
EOF
}

quick=0
install=0
runs=""
signal_runs=""
scale=""
clients=8
idle_count=""
idle_sec=""
idle_health=0
only=""
use_conmon=1
use_podman=1
use_python=1
use_confined=1
confined_user=ocidbench
created_user=0
use_tmpfs=1
runtime=""
write_docs=1
keep=0
no_build=0
ocid_build=""
while [ $# -gt 0 ]; do
  case "$1" in
  --quick) quick=1 ;;
  --install) install=1 ;;
  --runs) runs=$2; shift ;;
  --signal-runs) signal_runs=$2; shift ;;
  --scale) scale=$2; shift ;;
  --clients) clients=$2; shift ;;
  --idle-count) idle_count=$2; shift ;;
  --idle-sec) idle_sec=$2; shift ;;
  --idle-health) idle_health=$2; shift ;;
  --only) only=$2; shift ;;
  --no-conmon) use_conmon=0 ;;
  --no-podman) use_podman=0 ;;
  --no-python) use_python=0 ;;
  --confined-user) confined_user=$2; shift ;;
  --no-confined) use_confined=0 ;;
  --no-tmpfs) use_tmpfs=0 ;;
  --runtime) runtime=$2; shift ;;
  --no-docs) write_docs=0 ;;
  --keep) keep=1 ;;
  --no-build) no_build=1 ;;
  --ocid-build) ocid_build=$(cd "$2" && pwd); shift ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
  esac
  shift
done
if [ $quick = 1 ]; then
  : "${runs:=15}" "${signal_runs:=15}" "${scale:=50}" "${idle_count:=20}" "${idle_sec:=10}"
  mode=quick
else
  : "${runs:=100}" "${signal_runs:=100}" "${scale:=500}" "${idle_count:=100}" "${idle_sec:=60}"
  mode=full
fi

say() { printf '%s\n' "$*" >&2; }
fail() { say "bench: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root: runc, cgroups and podman --rootfs need it"

# ---- dependencies ------------------------------------------------------------------------

# command -> Debian package (read through a nameref in missing_packages)
# shellcheck disable=SC2034
declare -A needed=(
  [gcc]=gcc [pkg-config]=pkg-config [meson]=meson [ninja]=ninja-build [runc]=runc
  [dbus-daemon]=dbus [busybox]=busybox-static
)
declare -A optional=([conmon]=conmon [podman]=podman [gnuplot]=gnuplot-nox)

missing_packages() {
  local -n table=$1
  local cmd
  for cmd in "${!table[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || printf '%s\n' "${table[$cmd]}"
  done
  if [ "$1" = needed ] && ! pkg-config --exists libsystemd 2>/dev/null; then
    echo libsystemd-dev
  fi
}

if [ $install = 1 ]; then
  want=$( { missing_packages needed; missing_packages optional; } | sort -u | tr '\n' ' ')
  if [ -n "${want// /}" ]; then
    for p in $want; do
      candidate=$(timeout 60 apt-cache policy "$p" | awk '/Candidate:/ {print $2}')
      [ -n "$candidate" ] && [ "$candidate" != "(none)" ] ||
        fail "package $p has no install candidate; run apt-get update first"
    done
    say "bench: installing $want"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y --no-install-recommends $want
  fi
fi
still=$(missing_packages needed | sort -u | tr '\n' ' ')
[ -z "${still// /}" ] || fail "missing: $still (install them, or run with --install)"
for cmd in conmon podman gnuplot; do
  command -v "$cmd" >/dev/null 2>&1 ||
    say "bench: $cmd not found (package ${optional[$cmd]}); left out. --install adds it."
done
command -v conmon >/dev/null 2>&1 || use_conmon=0
command -v podman >/dev/null 2>&1 || use_podman=0

# ---- build -------------------------------------------------------------------------------

# A private, optimized build: the benchmark measures release code, and never races a
# developer's ninja in build/.
build=$here/.build
mkdir -p "$build"
if [ -n "$ocid_build" ]; then
  say "bench: using ocid from $ocid_build"
elif [ $no_build = 1 ]; then
  ocid_build=$build/ocid
  say "bench: using the ocid built earlier in $ocid_build"
else
  ocid_build=$build/ocid
  if [ ! -f "$ocid_build/build.ninja" ]; then
    say "bench: configuring an optimized build in $ocid_build"
    timeout 600 meson setup --buildtype=release "$ocid_build" "$top" \
      >"$build/meson-setup.log" 2>&1 ||
      { cat "$build/meson-setup.log" >&2; fail "meson setup failed"; }
  fi
  say "bench: building ocid (release) and the driver"
  timeout 1200 ninja -C "$ocid_build" daemon/ocid monitor/ocid-monitor >"$build/ninja.log" 2>&1 ||
    { tail -40 "$build/ninja.log" >&2; fail "building ocid failed (--no-build uses the last build)"; }
fi
# shellcheck disable=SC2046
timeout 300 gcc -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 \
  -Wmissing-prototypes -Wstrict-prototypes -Wno-missing-field-initializers -Werror \
  -D_GNU_SOURCE -I"$top" -o "$build/ocid-bench" "$here"/*.c "$top"/common/*.c \
  $(pkg-config --cflags --libs libsystemd) -lpthread -lm
ocid=$ocid_build/daemon/ocid
monitor=$ocid_build/monitor/ocid-monitor
[ -x "$ocid" ] && [ -x "$monitor" ] || fail "the build did not produce $ocid and $monitor"

# ---- private scratch space, and a guard that leaves nothing behind ------------------------

tmp=$(mktemp -d /tmp/ocid-bench.XXXXXX)
cgroup_name=ocid-bench-$$
runc=${runtime:-$(command -v runc)}
[ -x "$runc" ] || fail "no runtime at '$runc'"
rt_name=$(basename "$runc")
# podman keeps its runtime state in the runtime's default root.
default_root=/run/$rt_name
runc_default_root_existed=0
[ -d "$default_root" ] && runc_default_root_existed=1

cleanup() {
  local status=$? pidfile pid root id proc mnt dir
  set +e
  # The driver first (it owns the daemon and the bus), then what may survive it.
  [ -n "${driver_pid:-}" ] && kill "$driver_pid" 2>/dev/null && wait "$driver_pid" 2>/dev/null
  for pidfile in "$tmp"/pids/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    [ "$pid" -gt 1 ] 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  # Monitors, conmons and podman's helpers name the temporary dir on their command line.
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    [ "$pid" = $$ ] && continue
    { tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null | grep -qF "$tmp" && kill -KILL "$pid" 2>/dev/null
  done
  for root in "$tmp/run/runtime" "$tmp/peers/runc-root" "$tmp/peers/conmon-root"; do
    [ -d "$root" ] || continue
    for id in "$root"/*; do
      [ -d "$id" ] && timeout 30 "$runc" --root "$root" delete --force "${id##*/}" >/dev/null 2>&1
    done
  done
  # podman's runtime state lives in the default root; delete only our bundles from it.
  if [ -d "$default_root" ]; then
    for id in "$default_root"/*; do
      grep -qsF "$tmp" "$id/state.json" "$id/config.json" 2>/dev/null &&
        timeout 30 "$runc" --root "$default_root" delete --force "${id##*/}" >/dev/null 2>&1
    done
    [ $runc_default_root_existed = 0 ] && rmdir "$default_root" 2>/dev/null
  fi
  if [ $created_user = 1 ] && [ $keep = 0 ]; then
    userdel "$confined_user" 2>/dev/null || say "bench: could not remove the user $confined_user"
  fi
  awk -v t="$tmp" 'index($2, t) == 1 {print $2}' /proc/self/mounts | sort -r |
    while read -r mnt; do umount -l "$mnt" 2>/dev/null; done
  for dir in /sys/fs/cgroup/*/"$cgroup_name"; do
    [ -d "$dir" ] || continue
    for _ in 1 2 3 4 5; do
      find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
      [ -d "$dir" ] || break
      sleep 0.2
    done
    [ -d "$dir" ] && say "bench: could not remove $dir"
  done
  if [ $keep = 1 ]; then
    say "bench: kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- bundles -----------------------------------------------------------------------------

mkdir -p "$tmp/bundles" "$tmp/out" "$tmp/run" "$tmp/peers"
# Runtime state on a tmpfs, for ocid (run_dir: exit files, the runtime's root) and for the
# peers alike, as /run is on a systemd host; ocid's state_dir stays on the disk.
if [ $use_tmpfs = 1 ]; then
  mount -t tmpfs -o mode=0700,size=256m ocid-bench "$tmp/run" &&
    mount -t tmpfs -o mode=0700,size=256m ocid-bench "$tmp/peers" ||
    fail "cannot mount a tmpfs (use --no-tmpfs)"
fi
"$top/tests/make-bundle.sh" "$tmp/bundles/true" /bin/true
"$top/tests/make-bundle.sh" "$tmp/bundles/short" /bin/sleep 0.3
# busybox sh as pid 1 would ignore SIGTERM without a handler; this one exits on it.
"$top/tests/make-bundle.sh" "$tmp/bundles/sleep" /bin/sh -c \
  'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'
# podman writes /etc/hosts and friends into a --rootfs: give it a copy of its own.
cp -a "$tmp/bundles/true/rootfs" "$tmp/podman-rootfs"

# A confined container is one a non-root user creates: ocid reads her bundle as her and
# runs it in a user namespace whose root is her uid (ids 1 and up: her /etc/subuid range).
# Her bundle is hers, as it would be; the temporary dir becomes reachable to her.
if [ $use_confined = 1 ]; then
  if ! id "$confined_user" >/dev/null 2>&1; then
    # A regular user: useradd gives her a range in /etc/subuid and /etc/subgid.
    useradd -M -s /usr/sbin/nologin -c "ocid benchmarks (bench/run.sh)" "$confined_user" ||
      fail "cannot create the user $confined_user (or use --no-confined)"
    created_user=1
  fi
  [ "$(id -u "$confined_user")" != 0 ] || fail "--confined-user must not be root"
  if ! grep -qs "^$confined_user:" /etc/subuid; then
    say "bench: $confined_user has no range in /etc/subuid: her containers map her uid alone"
  fi
  chmod 0755 "$tmp"
  "$top/tests/make-bundle.sh" "$tmp/bundles/true-confined" /bin/true
  chown -R "$confined_user:$(id -gn "$confined_user")" "$tmp/bundles/true-confined"
fi

# ---- run -------------------------------------------------------------------------------

loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
say "bench: $mode run: $runs life cycles per runner, $signal_runs exit notifications," \
  "$scale containers at scale, $idle_count idle containers for $idle_sec s"
args=(--tmp "$tmp" --out "$tmp/out" --ocid "$ocid" --monitor "$monitor" --runc "$runc"
  --bundle-true "$tmp/bundles/true" --bundle-sleep "$tmp/bundles/sleep"
  --bundle-short "$tmp/bundles/short" --cgroup-parent "/$cgroup_name"
  --runs "$runs" --signal-runs "$signal_runs" --scale "$scale" --clients "$clients"
  --idle-count "$idle_count" --idle-sec "$idle_sec" --idle-health "$idle_health")
[ $use_conmon = 1 ] && args+=(--conmon "$(command -v conmon)")
[ $use_podman = 1 ] && args+=(--podman "$(command -v podman)" --podman-rootfs "$tmp/podman-rootfs")
if [ $use_python = 1 ]; then
  if /usr/bin/python3 -c 'import dbus, dbus.mainloop.glib; from gi.repository import GLib' 2>/dev/null; then
    args+=(--python /usr/bin/python3 --python-client "$here/python-client.py")
  else
    say "bench: /usr/bin/python3 lacks dbus or gi (python3-dbus, python3-gi); python client left out"
  fi
fi
[ -n "$only" ] && args+=(--only "$only")
[ $use_confined = 1 ] &&
  args+=(--confined-user "$confined_user" --bundle-confined "$tmp/bundles/true-confined")
timeout 3600 "$build/ocid-bench" "${args[@]}" &
driver_pid=$!
wait $driver_pid || fail "the benchmark driver failed (status $?); see the messages above"
driver_pid=""
elapsed=$(($(date +%s) - started))
loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)

out=$tmp/out

# ---- render ----------------------------------------------------------------------------

get() { awk -v k="$1" '$1 == k { sub(/^[^ ]+ /, ""); print; found = 1; exit } END { if (!found) print "" }' "$out/results.txt"; }
# x / y as "1.23x", or "-" when either is missing
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2fx\n", a / b }'; }
num() { awk -v a="$1" -v f="${2:-%.1f}" 'BEGIN { if (a == "") print "-"; else printf f "\n", a }'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf f "\n", a / b }'; }

buildtype() {
  python3 -c 'import json, sys
for o in json.load(open(sys.argv[1])):
    if o["name"] == "buildtype": print(o["value"])' "$ocid_build/meson-info/intro-buildoptions.json" 2>/dev/null ||
    echo unknown
}

versions() {
  echo "- $("$ocid" --version 2>/dev/null | head -1), buildtype $(buildtype)," \
    "source $(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "- $("$runc" --version | head -1)"
  [ $use_tmpfs = 1 ] && echo "- ocid's run_dir and the peers' runtime roots on a tmpfs; ocid's state_dir on $(df -T "$tmp" | awk 'NR == 2 {print $2}')"
  [ $use_conmon = 1 ] && echo "- $(conmon --version | head -1)"
  [ $use_podman = 1 ] && echo "- $(podman --version | head -1)"
  echo "- kernel $(uname -r), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))"
  echo "- load average before / after: $loadavg_before / $loadavg_after; run took ${elapsed} s"
}

runc50=$(get lc.runc.p50)
runc95=$(get lc.runc.p95)
ping50=$(get dbus.ping.p50)

# One table, as Markdown; the terminal gets the same text.
table() {
  if [ -n "$(get lc.ocid.n)" ]; then
    echo "### 1. Life cycle of a container running \`true\` (ms)"
    echo
    echo "The whole life cycle, create through delete: \`$rt_name run\` removes its container" \
      "when it ends, so ocid's is timed up to Delete's reply, conmon's through \`$rt_name delete\`," \
      "podman's with \`--rm\`; $(get lc.ocid.n) interleaved runs of each."
    echo
    echo "| runner | median | p95 | median vs runc | p95 vs runc |"
    echo "|---|---:|---:|---:|---:|"
    local m label
    for m in runc ocid ocidrun python conmon podman runcuserns confined; do
      [ -n "$(get lc.$m.p50)" ] || continue
      case $m in
      runc) label="bare \`$rt_name run\`" ;;
      runcuserns) label="bare \`$rt_name run\`, her bundle in a user namespace (ocid's mappings)" ;;
      confined) label="ocid, confined: CreateContainer, Start, Delete by a non-root user" ;;
      ocid) label='ocid over D-Bus (C client): CreateContainer, Start, Delete' ;;
      ocidrun) label='ocid, one call (C client): CreateContainer with start, Delete' ;;
      python) label='ocid over D-Bus (python-dbus client): CreateContainer, Start, Delete' ;;
      conmon) label="conmon + $rt_name (CRI-O style), $rt_name delete" ;;
      podman) label='`podman run --rm --rootfs`' ;;
      esac
      echo "| $label | $(num "$(get lc.$m.p50)") | $(num "$(get lc.$m.p95)") |" \
        "$(ratio "$(get lc.$m.p50)" "$runc50") | $(ratio "$(get lc.$m.p95)" "$runc95") |"
    done
    if [ -n "$(get lc.ocid.create.p50)" ]; then
      echo
      echo "Phases (medians, ms): ocid create $(num "$(get lc.ocid.create.p50)")," \
        "start $(num "$(get lc.ocid.start.p50)"), exit seen $(num "$(get lc.ocid.exit.p50)") after the Start reply" \
        "(\`true\` is often gone before Start returns), **delete $(num "$(get lc.ocid.delete.p50)")** from the exit seen to Delete's reply" \
        "(p95 $(num "$(get lc.ocid.delete.p95)"))."
      [ -n "$(get lc.ocidrun.create.p50)" ] &&
        echo "ocid one call: CreateContainer with start $(num "$(get lc.ocidrun.create.p50)"), exit seen $(num "$(get lc.ocidrun.exit.p50)") after its reply, delete $(num "$(get lc.ocidrun.delete.p50)")."
      [ -n "$(get lc.python.create.p50)" ] &&
        echo "python-dbus client: create $(num "$(get lc.python.create.p50)"), start $(num "$(get lc.python.start.p50)"), exit seen $(num "$(get lc.python.exit.p50)") after the Start reply, delete $(num "$(get lc.python.delete.p50)")."
      [ -n "$(get lc.conmon.create.p50)" ] &&
        echo "conmon create $(num "$(get lc.conmon.create.p50)")," \
          "$rt_name start $(num "$(get lc.conmon.start.p50)"), exit file $(num "$(get lc.conmon.exit.p50)") after runc start returned," \
          "$rt_name delete $(num "$(get lc.conmon.delete.p50)")."
    fi
  fi
  if [ -n "$(get mem.monitor.pss_kb)$(get mem.monitor.pss_avg_kb_at_n)" ]; then
    echo
    echo "### 2. Memory per supervised container"
    echo
    echo "| process | PSS KiB | RSS KiB | private KiB | PSS vs conmon |"
    echo "|---|---:|---:|---:|---:|"
  fi
  if [ -n "$(get mem.monitor.pss_kb)" ]; then
    echo "| one ocid-monitor | $(get mem.monitor.pss_kb) | $(get mem.monitor.rss_kb) |" \
      "$(get mem.monitor.private_kb) | $(ratio "$(get mem.monitor.pss_kb)" "$(get mem.conmon.pss_kb)") |"
  fi
  [ -n "$(get mem.conmon.pss_kb)" ] &&
    echo "| one conmon | $(get mem.conmon.pss_kb) | $(get mem.conmon.rss_kb) | $(get mem.conmon.private_kb) | 1.00x |"
  [ -n "$(get mem.monitor.pss_avg_kb_at_n)" ] &&
    echo "| ocid-monitor, average of $(get idle.n) | $(get mem.monitor.pss_avg_kb_at_n) | | | $(ratio "$(get mem.monitor.pss_avg_kb_at_n)" "$(get mem.conmon.pss_kb)") |"
  if [ -n "$(get scale.c1.rss_growth_kb_per_container)" ]; then
    echo
    echo "Daemon RSS: $(get mem.daemon.rss_start_kb) KiB at start;" \
      "$(get scale.c1.rss_before_kb) KiB before and $(get scale.c1.rss_kb) KiB with $scale containers," \
      "a growth of **$(get scale.c1.rss_growth_kb_per_container) KiB per container**." \
      "After deleting them all: $(get scale.c1.rss_after_delete_kb) KiB;" \
      "after a second round of $scale on the same daemon ($clients clients): $(get scale.c$clients.rss_after_delete_kb) KiB."
  fi
  if [ -n "$(get scale.c1.create_start_s)" ]; then
    local c1 ck per1 perk
    c1=$(get scale.c1.create_start_s)
    ck=$(get scale.c$clients.create_start_s)
    per1=$(awk -v s="$c1" -v n="$scale" 'BEGIN { printf "%.1f", s * 1000 / n }')
    perk=$(awk -v s="$ck" -v n="$scale" 'BEGIN { if (s == "") print ""; else printf "%.1f", s * 1000 / n }')
    echo
    echo "### 3. Scale: $scale sleeping containers under one ocid"
    echo
    echo "| measure | value | ratio |"
    echo "|---|---:|---:|"
    echo "| create + start all, 1 client | $(num "$c1" %.2f) s ($per1 ms each) |" \
      "$(ratio "$per1" "$runc50") of a bare runc life cycle |"
    [ -n "$ck" ] &&
      echo "| create + start all, $clients clients | $(num "$ck" %.2f) s ($perk ms each) |" \
        "$(div "$c1" "$ck")x faster than 1 client |"
    echo "| one create + start, 1 client: median / p95 | $(num "$(get scale.c1.op.p50)") / $(num "$(get scale.c1.op.p95)") ms | |"
    [ -n "$ck" ] &&
      echo "| one create + start, $clients clients: median / p95 | $(num "$(get scale.c$clients.op.p50)") / $(num "$(get scale.c$clients.op.p95)") ms | |"
    echo "| daemon CPU per create + start | $(num "$(get scale.c1.daemon_cpu_ms_per_container)") ms | |"
    echo "| ListContainers at $scale: median / p95 | $(num "$(get scale.list.p50)" %.2f) / $(num "$(get scale.list.p95)" %.2f) ms |" \
      "$(ratio "$(get scale.list.p50)" "$ping50") of a Ping |"
    echo "| GetManagedObjects at $scale: median / p95 | $(num "$(get scale.gmo.p50)" %.2f) / $(num "$(get scale.gmo.p95)" %.2f) ms |" \
      "$(ratio "$(get scale.gmo.p50)" "$ping50") of a Ping |"
    echo "| daemon RSS at $scale | $(get scale.c1.rss_kb) KiB | $(ratio "$(get scale.c1.rss_kb)" "$(get scale.c1.rss_before_kb)") of before |"
    echo "| stop (SIGTERM) + delete all, 1 client | $(num "$(get scale.c1.stop_delete_s)" %.2f) s |" \
      "$(ratio "$(awk -v s="$(get scale.c1.stop_delete_s)" -v n="$scale" 'BEGIN { print s * 1000 / n }')" "$runc50") of a bare runc life cycle each |"
    [ -n "$ck" ] &&
      echo "| stop + delete all, $clients clients | $(num "$(get scale.c$clients.stop_delete_s)" %.2f) s |" \
        "$(div "$(get scale.c1.stop_delete_s)" "$(get scale.c$clients.stop_delete_s)")x faster than 1 client |"
    echo
    echo "D-Bus round trip for scale: a \`Peer.Ping\` to ocid takes $(num "$ping50" %.3f) ms (median)."
  fi
  if [ -n "$(get sig.ocid.p50)" ]; then
    echo
    echo "### 4. Exit-to-notification latency (ms)"
    echo
    echo "From the container's exit (a pidfd on its process) to the caller's notice; $(get sig.ocid.n) interleaved runs."
    echo
    echo "| notice | median | p95 | median vs conmon |"
    echo "|---|---:|---:|---:|"
    echo "| ocid: PropertiesChanged State=stopped | $(num "$(get sig.ocid.p50)" %.2f) | $(num "$(get sig.ocid.p95)" %.2f) |" \
      "$(ratio "$(get sig.ocid.p50)" "$(get sig.conmon.p50)") |"
    [ -n "$(get sig.conmon.p50)" ] &&
      echo "| conmon: exit file appears (inotify) | $(num "$(get sig.conmon.p50)" %.2f) | $(num "$(get sig.conmon.p95)" %.2f) | 1.00x |"
    echo
    echo "ocid's path, medians: exit to the monitor's exit file $(num "$(get sig.ocid.to_file.p50)" %.2f) ms," \
      "exit file to the signal at the client $(num "$(get sig.ocid.after_file.p50)" %.2f) ms." \
      "One durable small write (write, fsync, rename, fsync of the dir) on this disk takes" \
      "$(num "$(get disk.durable_write.p50)" %.2f) ms (median of $(get disk.durable_write.n))."
  fi
  if [ -n "$(get idle.n)" ]; then
    echo
    echo "### 5. Idleness"
    echo
    checked=""
    case $(get idle.health_checked) in
    "" | 0) ;;
    *) checked=", $(get idle.health_checked) of them with a health check every 10 s," ;;
    esac
    echo "With $(get idle.n) running containers$checked over $(get idle.sec) idle seconds" \
      "(starting $(get idle.settle_sec) s after the last start):"
    echo
    echo "| process | voluntary switches | involuntary | threads started / ended |"
    echo "|---|---:|---:|---:|"
    echo "| ocid daemon (all $(get idle.daemon.threads) threads) | **$(get idle.daemon.voluntary)** |" \
      "$(get idle.daemon.involuntary) | $(get idle.daemon.threads_started) / $(get idle.daemon.threads_ended) |"
    echo "| the $(get idle.n) monitors together | $(get idle.monitors.voluntary) | $(get idle.monitors.involuntary) | |"
  fi
  if [ -n "$(get restart.full_ms)" ]; then
    echo
    echo "### 6. Restart recovery"
    echo
    echo "| daemon start to the first ListContainers reply, median of 5 starts | ms | ratio |"
    echo "|---|---:|---:|"
    echo "| empty state dir | $(num "$(get restart.empty_ms)") | 1.00x |"
    echo "| $(get restart.n) running containers on disk | $(num "$(get restart.full_ms)") |" \
      "$(ratio "$(get restart.full_ms)" "$(get restart.empty_ms)") |"
    echo
    echo "That is $(awk -v a="$(get restart.full_ms)" -v b="$(get restart.empty_ms)" -v n="$(get restart.n)" \
      'BEGIN { printf "%.3f", (a - b) / n }') ms per container; afterwards $(get restart.running_after) of $(get restart.n) were running."
  fi
  if [ -n "$(get lc.confined.p50)" ]; then
    local ocid50 ocid95 conf50 conf95
    ocid50=$(get lc.ocid.p50)
    ocid95=$(get lc.ocid.p95)
    conf50=$(get lc.confined.p50)
    conf95=$(get lc.confined.p95)
    echo
    echo "### 7. Confined containers: a non-root user's life cycle beside root's (ms)"
    echo
    echo "The life cycle of section 1 (\`true\`: CreateContainer, Start, the exit seen, Delete)," \
      "created by \`$confined_user\` (uid $(id -u "$confined_user"), not root, no" \
      "create-privileged): ocid runs it in a user namespace whose root is her uid. Interleaved" \
      "with the others, $(get lc.confined.n) runs. polkit: a stand-in authority on the private bus" \
      "that says yes at once to her create, and no to anything else (see below)."
    echo
    echo "| runner | median | p95 | median ratio | p95 ratio |"
    echo "|---|---:|---:|---:|---:|"
    echo "| ocid, root caller | $(num "$ocid50") | $(num "$ocid95") | 1.00x | 1.00x |"
    echo "| ocid, confined (non-root caller) | $(num "$conf50") | $(num "$conf95") |" \
      "**$(ratio "$conf50" "$ocid50")** of root's | $(ratio "$conf95" "$ocid95") of root's |"
    echo "| bare \`$rt_name run\` | $(num "$runc50") | $(num "$runc95") | 1.00x | 1.00x |"
    [ -n "$(get lc.runcuserns.p50)" ] &&
      echo "| bare \`$rt_name run\`, her bundle, same user namespace and mappings |" \
        "$(num "$(get lc.runcuserns.p50)") | $(num "$(get lc.runcuserns.p95)") |" \
        "$(ratio "$(get lc.runcuserns.p50)" "$runc50") of runc's | $(ratio "$(get lc.runcuserns.p95)" "$runc95") of runc's |"
    echo
    echo "Confined vs its bare runtime (both in a user namespace): median" \
      "$(ratio "$conf50" "$(get lc.runcuserns.p50)"), p95 $(ratio "$conf95" "$(get lc.runcuserns.p95)")." \
      "Phases (medians, ms): confined create $(num "$(get lc.confined.create.p50)")" \
      "(root: $(num "$(get lc.ocid.create.p50)")), start $(num "$(get lc.confined.start.p50)")" \
      "(root: $(num "$(get lc.ocid.start.p50)")), exit seen $(num "$(get lc.confined.exit.p50)")" \
      "(root: $(num "$(get lc.ocid.exit.p50)")) after the Start reply, delete $(num "$(get lc.confined.delete.p50)")" \
      "(root: $(num "$(get lc.ocid.delete.p50)"))."
    if [ -n "$(get cpu.root.daemon_ms_per_lc)" ]; then
      echo
      echo "CPU per life cycle (create, start, exit, delete), ms; a block of $(get cpu.n) root life cycles, then" \
        "$(get cpu.n) confined ones, from /proc (10 ms ticks, summed over the block):"
      echo
      echo "| process | root caller | confined | confined vs root |"
      echo "|---|---:|---:|---:|"
      echo "| ocid daemon | $(num "$(get cpu.root.daemon_ms_per_lc)" %.2f) | $(num "$(get cpu.confined.daemon_ms_per_lc)" %.2f) |" \
        "$(ratio "$(get cpu.confined.daemon_ms_per_lc)" "$(get cpu.root.daemon_ms_per_lc)") |"
      echo "| dbus-daemon | $(num "$(get cpu.root.bus_ms_per_lc)" %.2f) | $(num "$(get cpu.confined.bus_ms_per_lc)" %.2f) |" \
        "$(ratio "$(get cpu.confined.bus_ms_per_lc)" "$(get cpu.root.bus_ms_per_lc)") |"
      echo "| polkit stand-in | $(num "$(get cpu.root.polkit_ms_per_lc)" %.2f) | $(num "$(get cpu.confined.polkit_ms_per_lc)" %.2f) | |"
    fi
    if [ -s "$out/polkit-questions.log" ]; then
      echo
      echo "What the stand-in was asked, over the whole run (action, verb, answer: count):" \
        "$(awk '{ n[$1 ", " $2 ", " $5]++ } END { for (k in n) { printf "%s%s: %d", sep, k, n[k]; sep = "; " } }' \
          "$out/polkit-questions.log")." \
        "Only CreateContainer asks; her Start and Delete go through as the owner's, without polkit."
    fi
  fi
  return 0
}

rendered=$(table)
echo
echo "ocid benchmarks ($mode run)"
echo
echo "$rendered"
echo
versions

# ---- plot --------------------------------------------------------------------------------

plot=""
if command -v gnuplot >/dev/null 2>&1 && [ -s "$out/lifecycle.csv" ]; then
  for m in runc ocid ocidrun python conmon podman runcuserns confined; do
    awk -F, -v m=$m '$1 == m {print $3}' "$out/lifecycle.csv" | sort -g |
      awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' >"$out/lc-$m.dat"
  done
  # A run without the signal phase (--only) has no exit-signal.csv: empty curves then.
  touch "$out/exit-signal.csv"
  for m in ocid conmon; do
    awk -F, -v m=$m '$1 == m {print $3}' "$out/exit-signal.csv" 2>/dev/null | sort -g |
      awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' >"$out/sig-$m.dat"
  done
  awk -F, '$1 == "ocid" {print $4}' "$out/exit-signal.csv" 2>/dev/null | sort -g |
    awk '{ v[NR] = $1 } END { for (i = 1; i <= NR; i++) print v[i], i / NR }' >"$out/sig-monitor.dat"
  declare -A color=([runc]='#555555' [ocid]='#1f77b4' [ocidrun]='#17becf' [python]='#2ca02c'
    [conmon]='#ff7f0e' [podman]='#9467bd' [runcuserns]='#aaaaaa' [confined]='#d62728'
    [monitor]='#8fc3ea')
  plot=$out/benchmarks-latency.png
  {
    echo "set terminal pngcairo size 1200,480 font 'DejaVu Sans,10'"
    echo "set output '$plot'"
    echo "set multiplot layout 1,2"
    echo "set grid; set key bottom right; set logscale x; set yrange [0:1]"
    echo "set ylabel 'fraction of runs'"
    echo "set title 'Life cycle of \"true\": create, start, exit, delete'"
    echo "set xlabel 'ms (log scale)'"
    sep="plot"
    for m in runc ocid ocidrun python conmon podman runcuserns confined; do
      [ -s "$out/lc-$m.dat" ] || continue
      printf "%s '%s' using 1:2 with steps lw 2 lc rgb '%s' title '%s'" \
        "$sep" "$out/lc-$m.dat" "${color[$m]}" "$m"
      sep=","
    done
    echo
    echo "set key top left Left reverse"
    echo "set title 'From a container exit to the caller notice'"
    echo "set xlabel 'ms (log scale)'"
    sep="plot"
    for m in ocid monitor conmon; do
      [ -s "$out/sig-$m.dat" ] || continue
      case $m in
      ocid) t='ocid: PropertiesChanged'; dt=1 ;;
      monitor) t='ocid: its monitor exit file'; dt=1 ;;
      conmon) t='conmon: exit file'; dt=1 ;;
      esac
      printf "%s '%s' using 1:2 with steps lw 2 dt %s lc rgb '%s' title '%s'" \
        "$sep" "$out/sig-$m.dat" "$dt" "${color[$m]}" "$t"
      sep=","
    done
    [ "$sep" = "plot" ] && printf "unset logscale x; plot 0 notitle"
    echo
    echo "unset multiplot"
  } >"$out/plot.gp"
  timeout 60 gnuplot "$out/plot.gp" || { say "bench: gnuplot failed; no plot"; plot=""; }
fi

# ---- docs --------------------------------------------------------------------------------

if [ $write_docs = 1 ]; then
  docs=$top/docs
  mkdir -p "$docs"
  if [ -n "$plot" ]; then
    cp "$plot" "$docs/benchmarks-latency.png"
  fi
  sed -e "/@TABLE@/{r /dev/stdin" -e "d}" "$here/benchmarks.md.in" <<<"$rendered" |
    sed -e "/@VERSIONS@/{r /dev/fd/3" -e "d}" 3< <(versions) |
    sed -e "s|@MODE@|$mode|g" -e "s|@DATE@|$(date -u +%Y-%m-%d)|g" \
      -e "s|@RUNS@|$runs|g" -e "s|@SIGNAL_RUNS@|$signal_runs|g" -e "s|@SCALE@|$scale|g" \
      -e "s|@CLIENTS@|$clients|g" -e "s|@IDLE_COUNT@|$idle_count|g" \
      -e "s|@IDLE_SEC@|$idle_sec|g" >"$docs/benchmarks.md"
  say "bench: wrote docs/benchmarks.md${plot:+ and docs/benchmarks-latency.png}"
fi
rm -rf "$build/last-run"
cp -a "$out" "$build/last-run"
cp "$tmp/ocid.log" "$build/last-run/ocid.log" 2>/dev/null || true
say "bench: raw results, the plot and the daemon's log are in bench/.build/last-run/"
