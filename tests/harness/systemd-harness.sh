#!/usr/bin/env bash
# systemd-harness.sh: boot a real systemd as PID 1 of a throw-away container and run a
# command inside it as a real systemd service, on hosts whose own PID 1 is not systemd.
#
#   systemd-harness.sh run [--bind DIR]... [--env NAME[=VALUE]]... [--wd DIR] -- CMD ARGS...
#   systemd-harness.sh up  [--bind DIR]...          (state in $OCID_HARNESS_STATE)
#   systemd-harness.sh exec [--env NAME[=VALUE]]... [--wd DIR] -- CMD ARGS...
#   systemd-harness.sh shell [CMD ARGS...]          (nsenter only, no service; debugging)
#   systemd-harness.sh down
#   systemd-harness.sh clean                        (remove leftovers of dead harnesses)
#   systemd-harness.sh snapshot                     (print the host state that is checked)
#
# How (see shared/HARNESS.md for why each step is there):
#  - cgroups of its own, ocid-harness-<owner pid>-<owner start time>, in every
#    hierarchy, below the caller's cgroups; nspawn's cgroup namespace is rooted there;
#  - a private mount namespace for nspawn, with tmpfs on /tmp and /run/systemd;
#  - '/' bound non-recursively and booted with --volatile=overlay (tmpfs upper), so
#    every write inside outside the --bind dirs vanishes at teardown;
#  - a minimal boot target: journald, dbus (socket + service), a readiness unit;
#  - teardown by SIGKILL of the container's init, cgroup.kill, rmdir;
#  - the run is checked for what it could do to the host, not for what other processes
#    do meanwhile: isolation (namespaces, mount propagation, writable host mounts) at
#    boot and before teardown, its own leftovers (cgroups, processes, canaries), and a
#    few host facts before and after (cgroup mounts, /etc checksums, sysctls).
#
# Exit codes of run: CMD's own; 124 if CMD timed out; 125 if the harness failed
# (boot, setup); 120 if the host changed (this wins over CMD's code).
set -euo pipefail

PROG=systemd-harness
TAG=ocid-harness
SELF=$(readlink -f "${BASH_SOURCE[0]}")
: "${OCID_HARNESS_BOOT_TIMEOUT:=30}"   # seconds until the readiness unit has run
: "${OCID_HARNESS_TIMEOUT:=3600}"      # seconds CMD may run
: "${OCID_HARNESS_CHECK_IGNORE:=}"     # ERE: snapshot lines matching it are not compared
: "${OCID_HARNESS_VERBOSE:=0}"         # 1: timings and steps on stderr
NSPAWN=${OCID_HARNESS_NSPAWN:-systemd-nspawn}
EX_HARNESS=125
EX_HOST=120
READY_FILE=/run/ocid-harness-ready
FAILED_FILE=/run/ocid-harness-failed

log() { if [ "$OCID_HARNESS_VERBOSE" = 1 ]; then echo "$PROG: $*" >&2; fi; }
warn() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit "$EX_HARNESS"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

usage() {
    sed -n '2,12p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------- processes

# Start time (clock ticks since boot) of a pid, empty if it does not exist.
proc_start() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    s=${s##*) }
    # after "comm) " the state (field 3) is $1, so starttime (field 22) is ${20}
    # shellcheck disable=SC2086 # split into fields on purpose
    set -- $s
    echo "${20}"
}

# True if pid exists, is not a zombie and (if given) started at the given time.
pid_alive() {
    local pid=$1 start=${2:-} s
    [ -n "$pid" ] || return 1
    s=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    s=${s##*) }
    # shellcheck disable=SC2086 # split into fields on purpose
    set -- $s
    [ "$1" != Z ] && [ "$1" != X ] || return 1
    [ -z "$start" ] || [ "${20}" = "$start" ]
}

# Wait until pid is gone (or a zombie); $2 = seconds. Returns 1 on timeout.
wait_gone() {
    local pid=$1 i n
    n=$(( ${2:-10} * 50 ))
    for ((i = 0; i < n; i++)); do
        pid_alive "$pid" || return 0
        sleep 0.02
    done
    return 1
}

# The cgroups, the isolation checks and the host snapshot live beside this file.
# shellcheck source=tests/harness/harness-host.sh
. "$(dirname "$SELF")/harness-host.sh"

# ---------------------------------------------------------------- boot

# The body that runs in the private mount namespace, then becomes systemd-nspawn.
# Arguments: state dir, then the --bind dirs.
# shellcheck disable=SC2016
INNER='
set -euo pipefail
state=$1; shift
base=/run/systemd/ocid-harness
# mount -n: libmount must not create /run/mount/utab on the host.
# nspawn writes scratch dirs and locks under /tmp and /run/systemd: keep them, and
# /var/tmp, private (after the binds, which may lie below them).
mount -n -t tmpfs -o mode=0755,size=64m ocid-harness /run/systemd
mkdir -p "$base/root" "$base/units" "$base/binds"
binds=()
i=0
for d in "$@"; do
    mkdir "$base/binds/$i"
    mount -n --rbind "$d" "$base/binds/$i"
    binds+=("--bind=$base/binds/$i:$d")
    i=$((i + 1))
done
mount -n -t tmpfs -o mode=1777,size=64m ocid-harness /tmp
mount -n -t tmpfs -o mode=1777,size=64m ocid-harness /var/tmp
# The throw-away root: "/" alone (no submounts), booted with an overlay on top.
mount -n --bind / "$base/root"

u=$base/units
cat >"$u/ocid-harness.target" <<EOF
[Unit]
Description=ocid test harness
Wants=systemd-journald.service dbus.socket dbus.service ocid-harness-ready.service
After=ocid-harness-ready.service
EOF
cat >"$u/ocid-harness-ready.service" <<EOF
[Unit]
Description=ocid test harness readiness
DefaultDependencies=no
Wants=systemd-journald.service dbus.socket dbus.service
After=systemd-journald.service dbus.socket dbus.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c "if busctl --system --timeout=10 status >/dev/null; then touch /run/ocid-harness-ready; else touch /run/ocid-harness-failed; exit 1; fi"
EOF
for unit in dbus.socket dbus.service polkit.service; do
    mkdir -p "$u/$unit.d"
    printf "[Unit]\nDefaultDependencies=no\n" >"$u/$unit.d/10-ocid-harness.conf"
done
# polkitd is activated over the bus; let it find its socket.
printf "After=dbus.socket\nRequires=dbus.socket\n" >>"$u/polkit.service.d/10-ocid-harness.conf"

exec "$NSPAWN" \
    --directory="$base/root" --volatile=overlay \
    --register=no --keep-unit --private-network \
    --link-journal=no --resolv-conf=off --timezone=off --settings=no \
    --system-call-filter="@keyring bpf" \
    --capability=CAP_IPC_LOCK,CAP_SYS_RESOURCE,CAP_BPF \
    --console=read-only \
    --machine=ocid-harness \
    --bind="$u:/etc/systemd/system" \
    "${binds[@]}" \
    --boot -- systemd.unit=ocid-harness.target systemd.firstboot=off \
    systemd.show_status=auto
'

# State (in $STATE): nspawn.pid, init.pid, init.start, name, cgroups, console.log,
# snapshot.before, watcher.pid.
NSPAWN_PID=
INIT_PID=

# boot OWNER_PID BINDS...: start the container, wait until it is ready.
boot() {
    local owner=$1; shift
    local t0 deadline name
    t0=$(now)
    : >"$STATE/console.log"
    # The harness's name (cgroups, canaries) carries its owner's pid and start time:
    # 'run' itself, or for 'up' the launcher (which becomes nspawn).
    if [ "$owner" != self ]; then
        name="$TAG-$owner-$(proc_start "$owner")"
        echo "$name" >"$STATE/name"
        canaries_set "${name#"$TAG"-}"
        export OCID_HARNESS_RUN=$name
    fi
    (
        # The launcher: joins the harness cgroups, then becomes unshare, then nspawn
        # (same pid throughout).
        me=$BASHPID
        o=$owner
        [ "$o" = self ] && o=$me
        OCID_HARNESS_RUN=$TAG-$o-$(proc_start "$o")
        export OCID_HARNESS_RUN
        cg_create "$OCID_HARNESS_RUN" >"$STATE/cgroups"
        while IFS= read -r d; do echo "$me" >"$d/cgroup.procs"; done <"$STATE/cgroups"
        export NSPAWN
        exec </dev/null >>"$STATE/console.log" 2>&1
        # A session of its own: signals meant for the caller's process group (Ctrl-C,
        # timeout(1), meson) must not make nspawn power the container off behind the
        # harness's back. This subshell is no group leader, so setsid does not fork.
        exec setsid unshare --mount --propagation private -- "$BASH" -c "$INNER" inner "$STATE" "$@"
    ) &
    NSPAWN_PID=$!
    disown "$NSPAWN_PID"         # bash reaps it silently; teardown never waits for it
    proc_start "$NSPAWN_PID" >"$STATE/nspawn.start"
    echo "$NSPAWN_PID" >"$STATE/nspawn.pid"
    if [ "$owner" = self ]; then
        name="$TAG-$NSPAWN_PID-$(cat "$STATE/nspawn.start")"
        echo "$name" >"$STATE/name"
        canaries_set "${name#"$TAG"-}"
        export OCID_HARNESS_RUN=$name
    fi
    log "nspawn pid $NSPAWN_PID, $name"
    deadline=$(( $(date +%s%N) + OCID_HARNESS_BOOT_TIMEOUT * 1000000000 ))
    while :; do
        if [ -z "$INIT_PID" ]; then
            INIT_PID=$(find_init "$NSPAWN_PID") || INIT_PID=
            if [ -n "$INIT_PID" ]; then
                echo "$INIT_PID" >"$STATE/init.pid"
                proc_start "$INIT_PID" >"$STATE/init.start"
                log "container init pid $INIT_PID"
            fi
        fi
        if [ -n "$INIT_PID" ]; then
            [ -e "/proc/$INIT_PID/root$READY_FILE" ] && break
            if [ -e "/proc/$INIT_PID/root$FAILED_FILE" ]; then
                boot_failed "readiness unit failed (busctl --system status)"
                return 1
            fi
        fi
        if ! pid_alive "$NSPAWN_PID"; then
            boot_failed "nspawn exited before the container was ready"
            return 1
        fi
        if [ "$(date +%s%N)" -ge "$deadline" ]; then
            boot_failed "not ready after ${OCID_HARNESS_BOOT_TIMEOUT}s"
            return 1
        fi
        sleep 0.02
    done
    log "ready in $(elapsed "$t0")s"
    writable_cgroups || { boot_failed "could not make the cgroup controllers writable"; return 1; }
    log "cgroups writable at $(elapsed "$t0")s"
    reach_allowed "$@" >"$STATE/reach"
    if ! isolation_check "at boot"; then
        warn "boot failed: the container is not isolated from the host; CMD not run"
        return 1
    fi
}

boot_failed() {
    warn "boot failed: $1"
    if [ -s "$STATE/console.log" ]; then
        warn "---- container console (last 40 lines) ----"
        tail -n 40 "$STATE/console.log" | sed 's/^/    /' >&2
    fi
    if [ -n "$INIT_PID" ] && pid_alive "$INIT_PID"; then
        warn "---- failed units / journal inside ----"
        timeout 5 nsenter -t "$INIT_PID" -m -u -i -n -p -r -w \
            sh -c 'systemctl --no-pager --failed; journalctl --no-pager -n 30' 2>&1 \
            | sed 's/^/    /' >&2 || true
    fi
}

# The container's init: the child of nspawn that is pid 1 of its own pid namespace.
find_init() {
    local c ns kids
    if [ -e "/proc/$1/task/$1/children" ]; then
        kids=$(cat "/proc/$1/task/$1/children" 2>/dev/null) || kids=
    else
        kids=$(awk -v p="$1" '$1 == "PPid:" && $2 == p { n = FILENAME; sub("/proc/", "", n); sub("/status", "", n); print n }' \
            /proc/[0-9]*/status 2>/dev/null) || kids=
    fi
    for c in $kids; do
        ns=$(awk '$1 == "NSpid:" { print $NF }' "/proc/$c/status" 2>/dev/null) || continue
        if [ "$ns" = 1 ]; then echo "$c"; return 0; fi
    done
    return 1
}

# nspawn mounts the v1 controllers read-only; runc needs them writable. A bind remount
# changes only this one mount (the container's view), never the shared superblock.
writable_cgroups() {
    timeout 10 nsenter -t "$INIT_PID" -m -p -r -w -- /bin/sh -ec '
        ro() { awk '\''$5 ~ "^/sys/fs/cgroup" && $6 ~ /(^|,)ro(,|$)/ { print $5 }'\'' /proc/self/mountinfo; }
        list=$(ro)
        for m in $list; do mount -n -o remount,bind,rw "$m"; done
        list=$(ro)
        [ -z "$list" ]'
}

# ---------------------------------------------------------------- teardown

teardown() {
    local t0 dirs=() w nstart='' istart='' name
    t0=$(now)
    [ -n "${STATE:-}" ] && [ -d "$STATE" ] || return 0
    [ -n "$NSPAWN_PID" ] || NSPAWN_PID=$(cat "$STATE/nspawn.pid" 2>/dev/null) || NSPAWN_PID=
    [ -z "$NSPAWN_PID" ] || nstart=$(cat "$STATE/nspawn.start" 2>/dev/null) || nstart=
    [ -n "$INIT_PID" ] || INIT_PID=$(cat "$STATE/init.pid" 2>/dev/null) || INIT_PID=
    if [ -z "$INIT_PID" ] && [ -n "$NSPAWN_PID" ] && pid_alive "$NSPAWN_PID" "$nstart"; then
        INIT_PID=$(find_init "$NSPAWN_PID") || INIT_PID=
        [ -z "$INIT_PID" ] || proc_start "$INIT_PID" >"$STATE/init.start"
    fi
    [ -z "$INIT_PID" ] || istart=$(cat "$STATE/init.start" 2>/dev/null) || istart=
    [ ! -s "$STATE/cgroups" ] || mapfile -t dirs <"$STATE/cgroups"
    [ "${#dirs[@]}" = 0 ] || cg_thaw "${dirs[@]}"
    if [ -n "$INIT_PID" ] && pid_alive "$INIT_PID" "$istart"; then
        # systemd ignores SIGTERM; SIGKILL of pid 1 ends its whole pid namespace, and
        # nspawn exits when it sees that.
        kill -KILL "$INIT_PID" 2>/dev/null || true
        if [ -n "$NSPAWN_PID" ] && pid_alive "$NSPAWN_PID" "$nstart"; then
            wait_gone "$NSPAWN_PID" 10 || warn "nspawn $NSPAWN_PID did not exit"
        fi
    elif [ -n "$NSPAWN_PID" ] && pid_alive "$NSPAWN_PID" "$nstart"; then
        # no container yet: stop the launcher (or nspawn) itself
        kill -KILL "$NSPAWN_PID" 2>/dev/null || true
        wait_gone "$NSPAWN_PID" 5 || true
    fi
    # Whatever is left (a hung nspawn, orphans) dies with the harness cgroups. Only the
    # dirs it made are removed here; others under its name are leaks (own_leftovers),
    # unless the launcher died before it could list them.
    if [ "${#dirs[@]}" = 0 ] && name=$(cat "$STATE/name" 2>/dev/null); then
        mapfile -t -O "${#dirs[@]}" dirs < <(cg_find_harness | awk -v n="$name" '$1 == n { print $2 }')
    fi
    if [ "${#dirs[@]}" != 0 ]; then
        mapfile -t dirs < <(printf '%s\n' "${dirs[@]}" | sort -u)
        cg_destroy "${dirs[@]}" || true
    fi
    if [ -n "$NSPAWN_PID" ]; then
        wait_gone "$NSPAWN_PID" 5 || warn "nspawn $NSPAWN_PID is still there"
    fi
    if [ -s "$STATE/watcher.pid" ]; then
        w=$(cat "$STATE/watcher.pid")
        pid_alive "$w" && kill -KILL "$w" 2>/dev/null || true
    fi
    log "teardown in $(elapsed "$t0")s"
}

# After teardown: nothing of this run may be left.
own_leftovers() {
    local name bad=0 d pid
    name=$(cat "$STATE/name" 2>/dev/null) || return 0
    canaries_check "${name#"$TAG"-}" || bad=1
    while IFS= read -r d; do
        [ -n "$d" ] || continue
        warn "leftover cgroup of this run: $d"; bad=1
        cg_destroy "$d" || true
    done < <(cg_find_harness | awk -v n="$name" '$1 == n { print $2 }')
    for pid in "$INIT_PID" "$NSPAWN_PID"; do
        if [ -n "$pid" ] && pid_alive "$pid"; then warn "leftover process: $pid"; bad=1; fi
    done
    # Host-side processes of the run: the client side of CMD ends once the container is
    # gone, give it a moment; what is still there then is a leak, reported and killed.
    local i left=
    for ((i = 0; i < 100; i++)); do
        left=$(marked_procs "$name")
        [ -n "$left" ] || break
        sleep 0.02
    done
    for pid in $left; do
        # One on its way out under load (listed, then gone before its cmdline was read)
        # is no leak: a leak is one that stays.
        wait_gone "$pid" 5 && continue
        warn "leftover process of this run: $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | head -c 200))"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 5 || warn "could not kill $pid"
        bad=1
    done
    return "$bad"
}

# A helper that outlives a killed harness (e.g. SIGKILL of the process group on a test
# timeout): when the owner is gone, it removes the owner's cgroups and what runs there.
start_watcher() {
    local owner=$1
    setsid --fork "$BASH" -c '
        for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -le 2 ] || eval "exec $fd>&-"; done
        echo $$ >"$3"
        while kill -0 "$1" 2>/dev/null; do sleep 0.5; done
        exec "$2" clean' watcher "$owner" "$SELF" "$STATE/watcher.pid" \
        </dev/null >/dev/null 2>&1
}

# ---------------------------------------------------------------- commands inside

# Print the nsenter + systemd-run command line; ENVS and WD are set by parse_exec.
in_container() {
    local wd=${WD:-$PWD}
    [ -d "/proc/$INIT_PID/root$wd" ] || wd=/
    # --wd opens its path before entering: give it the container's view of the dir.
    local cmd=(nsenter -t "$INIT_PID" -m -u -i -n -p -C -r "--wd=/proc/$INIT_PID/root$wd"
               systemd-run --quiet --wait --pipe --collect --same-dir
               -p DefaultDependencies=no)
    local e
    for e in "${ENVS[@]}"; do cmd+=("--setenv=$e"); done
    # systemd expands $VAR and $$ in ExecStart=; hand the words over untouched.
    # The sh in between turns death by signal N into exit code 128+N (systemd-run
    # would return 0 for SIGTERM, a "clean" exit for services, and 255 for others).
    local a
    cmd+=(-- /bin/sh -c '"$@"; exit $?' "$TAG-cmd")
    for a in "$@"; do cmd+=("${a//\$/\$\$}"); done
    timeout -k 10 "$OCID_HARNESS_TIMEOUT" "${cmd[@]}"
}

BINDS=()
ENVS=()
WD=

parse_opts() {
    # sets BINDS, ENVS, WD; leaves the rest in ARGS
    ARGS=()
    while [ $# -gt 0 ]; do
        case $1 in
            --bind) [ $# -ge 2 ] || usage; add_bind "$2"; shift 2 ;;
            --bind=*) add_bind "${1#--bind=}"; shift ;;
            --env) [ $# -ge 2 ] || usage; add_env "$2"; shift 2 ;;
            --env=*) add_env "${1#--env=}"; shift ;;
            --wd) [ $# -ge 2 ] || usage; WD=$2; shift 2 ;;
            --wd=*) WD=${1#--wd=}; shift ;;
            --) shift; ARGS=("$@"); return 0 ;;
            -h|--help) usage ;;
            *) ARGS=("$@"); return 0 ;;
        esac
    done
}

add_bind() {
    local d
    d=$(readlink -f "$1") || die "no such directory: $1"
    [ -d "$d" ] || die "not a directory: $1"
    case $d in *:*|*,*) die "bind path may not contain ':' or ',': $d" ;; esac
    [ "$d" != / ] || die "cannot bind /"
    BINDS+=("$d")
}

add_env() {
    local e=$1
    case $e in
        *=*) ENVS+=("$e") ;;
        *) ENVS+=("$e=${!e-}") ;;
    esac
}

preflight() {
    [ "$(id -u)" = 0 ] || die "must run as root"
    local t
    for t in "$NSPAWN" nsenter unshare setsid timeout busctl systemd-run; do
        command -v "$t" >/dev/null || die "missing tool: $t (install systemd-container, util-linux, systemd)"
    done
    [ -x /lib/systemd/systemd ] || die "missing /lib/systemd/systemd"
    [ -e /sys/fs/cgroup/cgroup.controllers ] && [ ! -d /sys/fs/cgroup/unified ] &&
        log "pure cgroup2 host: v1 controllers are not available"
    return 0
}

load_state() {
    STATE=${OCID_HARNESS_STATE:-}
    [ -n "$STATE" ] || die "set OCID_HARNESS_STATE to the state dir used with 'up'"
    [ -s "$STATE/init.pid" ] || die "no container in $STATE (run 'up' first)"
    INIT_PID=$(cat "$STATE/init.pid")
    NSPAWN_PID=$(cat "$STATE/nspawn.pid" 2>/dev/null) || NSPAWN_PID=
    pid_alive "$INIT_PID" "$(cat "$STATE/init.start")" || die "container in $STATE is gone"
}

# ---------------------------------------------------------------- sub-commands

RUN_BEFORE=
RUN_OWN_STATE=0
RUN_BOOTED=0
CMD_PID=

# The end of 'run', normal or on a signal: tear down, check, exit.
run_finish() {
    local rc=$1
    trap - EXIT INT TERM HUP
    trap '' INT TERM HUP         # finish the cleanup even if signalled again
    # the client side (timeout, nsenter, systemd-run) ends once the container is gone
    if [ "$RUN_BOOTED" = 1 ] && ! isolation_check "before teardown"; then rc=$EX_HOST; fi
    if [ -n "$CMD_PID" ]; then kill -TERM "$CMD_PID" 2>/dev/null || true; fi
    teardown
    own_leftovers || rc=$EX_HOST
    if [ "$RUN_OWN_STATE" = 1 ]; then rm -rf "$STATE"; else rm -f "$STATE"/*; fi
    if [ -n "$RUN_BEFORE" ] && ! host_compare <(echo "$RUN_BEFORE") <(host_snapshot); then
        rc=$EX_HOST
    fi
    exit "$rc"
}

cmd_run() {
    parse_opts "$@"
    [ ${#ARGS[@]} -gt 0 ] || usage
    preflight
    clean_stale
    local rc t0
    RUN_BEFORE=$(host_snapshot)
    t0=$(now)
    if [ -n "${OCID_HARNESS_STATE:-}" ]; then
        STATE=$OCID_HARNESS_STATE
        mkdir -p "$STATE"
        [ ! -s "$STATE/init.pid" ] || die "$STATE is in use"
    else
        STATE=$(mktemp -d "${TMPDIR:-/tmp}/$TAG-run.XXXXXX")
        RUN_OWN_STATE=1
    fi
    trap 'run_finish 130' INT
    trap 'run_finish 143' TERM
    trap 'run_finish 129' HUP
    trap 'run_finish $EX_HARNESS' EXIT
    # the run's mark, for everything it starts on the host (see marked_procs)
    export OCID_HARNESS_RUN
    OCID_HARNESS_RUN=$TAG-$$-$(proc_start $$)
    start_watcher $$
    if ! boot $$ "${BINDS[@]}"; then
        run_finish "$EX_HARNESS"
    fi
    RUN_BOOTED=1
    log "booted in $(elapsed "$t0")s"
    # In the background, so that a signal to the harness runs its trap at once (bash
    # defers traps while a foreground child runs); stdin is handed on explicitly.
    if [ -e "/proc/$BASHPID/fd/0" ]; then exec 3<&0; else exec 3</dev/null; fi
    in_container "${ARGS[@]}" <&3 3<&- &
    CMD_PID=$!
    exec 3<&-
    set +e
    wait "$CMD_PID"
    rc=$?
    set -e
    CMD_PID=
    log "command exited with $rc"
    run_finish "$rc"
}

cmd_up() {
    parse_opts "$@"
    [ ${#ARGS[@]} -eq 0 ] || usage
    preflight
    STATE=${OCID_HARNESS_STATE:-}
    [ -n "$STATE" ] || die "set OCID_HARNESS_STATE to a state dir"
    mkdir -p "$STATE"
    if [ -s "$STATE/init.pid" ] && pid_alive "$(cat "$STATE/init.pid")" "$(cat "$STATE/init.start" 2>/dev/null)"; then
        die "a container is already up in $STATE"
    fi
    clean_stale
    rm -f "$STATE"/*
    host_snapshot >"$STATE/snapshot.before"
    # The owner of the cgroups is nspawn itself: once it is gone they are stale.
    if ! boot self "${BINDS[@]}"; then
        teardown
        exit "$EX_HARNESS"
    fi
    echo "$INIT_PID"
}

cmd_exec() {
    parse_opts "$@"
    [ ${#ARGS[@]} -gt 0 ] || usage
    load_state
    export OCID_HARNESS_RUN
    OCID_HARNESS_RUN=$(cat "$STATE/name")
    set +e
    in_container "${ARGS[@]}"
    exit $?
}

cmd_shell() {
    load_state
    [ $# -gt 0 ] || set -- /bin/bash
    exec nsenter -t "$INIT_PID" -m -u -i -n -p -C -r -w -- "$@"
}

cmd_down() {
    STATE=${OCID_HARNESS_STATE:-}
    [ -n "$STATE" ] && [ -d "$STATE" ] || die "set OCID_HARNESS_STATE to the state dir used with 'up'"
    local rc=0
    INIT_PID=$(cat "$STATE/init.pid" 2>/dev/null) || INIT_PID=
    NSPAWN_PID=$(cat "$STATE/nspawn.pid" 2>/dev/null) || NSPAWN_PID=
    if [ -s "$STATE/reach" ] && pid_alive "$INIT_PID" && ! isolation_check "before teardown"; then
        rc=$EX_HOST
    fi
    teardown
    own_leftovers || rc=$EX_HOST
    if [ -s "$STATE/snapshot.before" ]; then
        host_compare "$STATE/snapshot.before" <(host_snapshot) || rc=$EX_HOST
    fi
    rm -f "$STATE"/*
    exit "$rc"
}

main() {
    [ $# -gt 0 ] || usage
    local sub=$1; shift
    case $sub in
        run) cmd_run "$@" ;;
        up) cmd_up "$@" ;;
        exec) cmd_exec "$@" ;;
        shell) cmd_shell "$@" ;;
        down) cmd_down "$@" ;;
        clean) [ "$(id -u)" = 0 ] || die "must run as root"; clean_stale ;;
        snapshot) host_snapshot ;;
        -h|--help|help) usage ;;
        *) usage ;;
    esac
}

main "$@"
