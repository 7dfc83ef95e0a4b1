# harness-host.sh: sourced by systemd-harness.sh. Its cgroups in every hierarchy (made,
# thawed, destroyed, and the stale ones of dead harnesses cleaned), the checks that the
# container cannot write to the host but through its binds and its own cgroups, and what
# is compared before and after a run (canaries in the shared temporary dirs, processes
# marked with the run's name).
# shellcheck shell=bash

# ---------------------------------------------------------------- cgroups

# Mount points of cgroup file systems: "fstype mountpoint superopts" per line.
cg_mounts() {
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
           fs = $(i + 1); if (fs == "cgroup" || fs == "cgroup2") print fs, $5, $(i + 3) }' \
        /proc/self/mountinfo
}

# For a process (pid or "self"), print one directory per hierarchy: the mount point
# joined with the process's cgroup path in it (from a single read of /proc/PID/cgroup).
cg_dirs_of() {
    local cg mounts line id ctrls path mnt
    cg=$(cat "/proc/$1/cgroup")
    mounts=$(cg_mounts)
    while IFS= read -r line; do
        id=${line%%:*}; line=${line#*:}
        ctrls=${line%%:*}; path=${line#*:}
        if [ "$id" = 0 ]; then
            mnt=$(awk '$1 == "cgroup2" { print $2; exit }' <<<"$mounts")
        else
            mnt=$(awk -v want="$ctrls" '$1 == "cgroup" {
                    n = split($3, have, ","); m = split(want, w, ","); ok = 1
                    for (i = 1; i <= m; i++) { f = 0
                        for (j = 1; j <= n; j++) if (have[j] == w[i]) f = 1
                        if (!f) ok = 0 }
                    if (ok) { print $2; exit } }' <<<"$mounts")
        fi
        if [ -z "$mnt" ]; then
            warn "no mount for cgroup hierarchy $id:$ctrls, skipped"
            continue
        fi
        echo "$mnt${path%/}"
    done <<<"$cg"
}

# Create <own dir>/<name> in every hierarchy; print the created dirs.
cg_create() {
    local name=$1 parent dir
    for parent in $(cg_dirs_of self); do
        dir=$parent/$name
        mkdir "$dir"
        if [ -e "$parent/cgroup.clone_children" ] && [ -e "$dir/cpuset.cpus" ]; then
            # v1 cpuset: a new cgroup starts empty and takes no process until filled
            cat "$parent/cpuset.cpus" >"$dir/cpuset.cpus"
            cat "$parent/cpuset.mems" >"$dir/cpuset.mems"
        fi
        echo "$dir"
    done
}

# Frozen tasks (runc pause) do not die of SIGKILL, and a pid namespace whose tasks
# cannot die keeps its init (and nspawn) waiting: thaw every cgroup below the dirs.
cg_thaw() {
    local f
    while IFS= read -r f; do
        case $f in
            */freezer.state) echo THAWED >"$f" ;;
            */cgroup.freeze) echo 0 >"$f" ;;
        esac 2>/dev/null || true
    done < <(find "$@" \( -name freezer.state -o -name cgroup.freeze \) 2>/dev/null)
    return 0
}

# Kill every process in the given harness cgroup dirs (and below), then remove them
# depth-first. Only ever called on ocid-harness-* dirs, which hold only what the
# harness started.
cg_destroy() {
    local dir d pid i left
    cg_thaw "$@"
    for dir in "$@"; do
        [ -e "$dir/cgroup.kill" ] && echo 1 >"$dir/cgroup.kill" 2>/dev/null || true
    done
    for ((i = 0; i < 250; i++)); do
        left=0
        for dir in "$@"; do
            [ -d "$dir" ] || continue
            while IFS= read -r d; do
                while read -r pid; do
                    left=1
                    kill -KILL "$pid" 2>/dev/null || true
                done <"$d/cgroup.procs" 2>/dev/null || true
            done < <(find "$dir" -depth -type d 2>/dev/null)
            find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
            [ -d "$dir" ] && left=1
        done
        [ "$left" = 0 ] && return 0
        sleep 0.02
    done
    for dir in "$@"; do [ -d "$dir" ] && warn "could not remove cgroup $dir"; done
    return 1
}

# All harness cgroup dirs on this host, grouped by name: "name dir" per line.
cg_find_harness() {
    local mnt
    for mnt in $(cg_mounts | awk '{ print $2 }'); do
        find "$mnt" -maxdepth 5 -type d -name "$TAG-*" -prune 2>/dev/null || true
    done | while IFS= read -r d; do
        n=${d##*/}
        [[ $n =~ ^$TAG-[0-9]+-[0-9]+$ ]] && echo "$n $d"
    done
}

# Remove harness cgroups whose owner (the pid in the name, with that start time) is
# gone, together with whatever still runs in them (a crashed or killed harness).
clean_stale() {
    local list name owner start dirs c d
    list=$(cg_find_harness)
    for name in $(awk '{ print $1 }' <<<"$list" | sort -u); do
        owner=${name#"$TAG"-}; start=${owner#*-}; owner=${owner%%-*}
        if pid_alive "$owner" "$start"; then
            continue
        fi
        mapfile -t dirs < <(awk -v n="$name" '$1 == n { print $2 }' <<<"$list")
        warn "removing leftover $name (owner $owner gone)"
        cg_destroy "${dirs[@]}" || true
    done
    for c in /tmp/"$TAG"-canary-* /var/tmp/"$TAG"-canary-* /run/"$TAG"-canary-*; do
        [ -f "$c" ] || continue
        owner=${c##*-canary-}; start=${owner#*-}; owner=${owner%%-*}
        [[ $owner =~ ^[0-9]+$ ]] && ! pid_alive "$owner" "$start" && rm -f "$c"
    done
    # state dirs of 'run' (the ones it made itself, with mktemp)
    for d in "${TMPDIR:-/tmp}/$TAG"-run.*; do
        [ -d "$d" ] || continue
        if [ -s "$d/name" ]; then
            name=$(cat "$d/name"); owner=${name#"$TAG"-}; start=${owner#*-}; owner=${owner%%-*}
            pid_alive "$owner" "$start" && continue
        elif [ -z "$(find "$d" -maxdepth 0 -mmin +1)" ]; then
            continue    # just made by a harness that is starting
        fi
        rm -rf "$d"
    done
    return 0
}

# ---------------------------------------------------------------- isolation
#
# The run can change the host only through what it was given: the --bind dirs, its own
# cgroups, and the host-side helpers the harness starts. Rather than diffing the whole
# machine (which other processes change all the time), the harness checks, at boot and
# again before teardown, that the container has no other way out:
#  - nspawn runs in a mount namespace of its own, with private /tmp, /var/tmp and
#    /run/systemd, and no mount of it (or of the container) shares a peer group with
#    the host's, so no mount can propagate back;
#  - the container has its own mount, cgroup, pid, network, IPC and UTS namespaces, and
#    its init sits below the harness's cgroups in every hierarchy;
#  - every mount in the container of a file system that is also mounted on the host is
#    read-only, hidden under another mount, a --bind dir's subtree, or one of the
#    harness's own cgroups; /proc/sys is read-only.

# major:minor of every file system mounted in the host's (the harness's) namespace.
host_devs() { awk '{ print $3 }' /proc/self/mountinfo | sort -u; }

# Peer group numbers in mountinfo files: $1 = ERE of the tags (shared, master).
peer_groups() {
    local tags=$1; shift
    awk -v re="^($tags):" '{ for (i = 7; i <= NF && $i != "-"; i++)
        if ($i ~ re) { g = $i; sub(/^[a-z]+:/, "", g); print g } }' "$@" 2>/dev/null | sort -u
}

# "dev root" of what the container may write on host file systems: the harness's cgroup
# dirs (dev of their hierarchy, path inside it) and the --bind dirs (from the
# container's mounts at boot). Saved in $STATE/reach.
reach_allowed() {
    local d m best dev
    while IFS= read -r d; do
        best=
        for m in $(cg_mounts | awk '{ print $2 }'); do
            case $d in "$m"/*) [ ${#m} -le ${#best} ] || best=$m ;; esac
        done
        [ -n "$best" ] || continue
        dev=$(awk -v m="$best" '$5 == m { d = $3 } END { print d }' /proc/self/mountinfo)
        echo "$dev ${d#"$best"}"
    done <"$STATE/cgroups"
    for d in "$@"; do
        awk -v b="$d" '$5 == b { print $3, $4 }' "/proc/$INIT_PID/mountinfo"
    done
}

# isolation_check WHEN: the checks above; prints what is wrong and returns 1.
isolation_check() {
    local when=$1 bad=0 ns mine theirs p dev common probe id opts
    local -a cand=()
    complain() { warn "NOT ISOLATED ($when): $*"; bad=1; }
    if ! pid_alive "$NSPAWN_PID" || ! pid_alive "$INIT_PID"; then
        complain "nspawn ($NSPAWN_PID) or the container's init ($INIT_PID) is gone"
        return 1
    fi
    mine=$(readlink /proc/self/ns/mnt)
    theirs=$(readlink "/proc/$NSPAWN_PID/ns/mnt") || theirs=
    if [ -z "$theirs" ] || [ "$theirs" = "$mine" ]; then complain "nspawn runs in the host's mount namespace"; fi
    for ns in mnt cgroup pid net ipc uts; do
        mine=$(readlink "/proc/self/ns/$ns")
        theirs=$(readlink "/proc/$INIT_PID/ns/$ns") || theirs=
        if [ -z "$theirs" ] || [ "$theirs" = "$mine" ]; then complain "the container shares the host's $ns namespace"; fi
    done
    common=$(comm -12 <(peer_groups 'shared|master' /proc/self/mountinfo) \
                      <(peer_groups shared "/proc/$NSPAWN_PID/mountinfo" "/proc/$INIT_PID/mountinfo"))
    [ -z "$common" ] || complain "mounts share peer groups with the host's: ${common//$'\n'/ }"
    for p in /tmp /var/tmp /run/systemd; do
        dev=$(awk -v p="$p" '$5 == p { d = $3 } END { print d }' "/proc/$NSPAWN_PID/mountinfo")
        if [ -z "$dev" ] || grep -qx -- "$dev" <(host_devs); then
            complain "nspawn's $p is the host's"
        fi
    done
    while IFS= read -r d; do
        local ok=0 own
        while IFS= read -r own; do
            case $d/ in "$own"/*) ok=1 ;; esac
        done <"$STATE/cgroups"
        [ "$ok" = 1 ] || complain "the container's init is in cgroup $d, outside the harness's"
    done < <(cg_dirs_of "$INIT_PID")
    # Writable mounts of host file systems other than the allowed ones.
    mapfile -t cand < <(awk -v hostdevs="$(host_devs | tr '\n' ' ')" \
                            -v allowed="$(tr '\n' '|' <"$STATE/reach")" '
        BEGIN { n = split(hostdevs, h, " "); for (i = 1; i <= n; i++) host[h[i]] = 1
                m = split(allowed, a, "|")
                for (i = 1; i <= m; i++) if (a[i] != "") { split(a[i], f, " "); adev[i] = f[1]; aroot[i] = f[2] } }
        {   if (!($3 in host)) next
            for (i = 1; i <= m; i++)
                if ($3 == adev[i] && (aroot[i] == "/" || $4 == aroot[i] || index($4, aroot[i] "/") == 1)) next
            if ($6 ~ /(^|,)ro(,|$)/) next
            print $1, $5 }' "/proc/$INIT_PID/mountinfo")
    # A candidate is harmless if another mount hides it: ask which mount a path opens
    # to, in the container's namespaces. /proc/sys must be read-only too.
    probe=$(timeout 10 nsenter -t "$INIT_PID" -m -p -- /bin/sh -c '
        for p; do
            if exec 3<"$p"; then echo "$p $(awk "\$1 == \"mnt_id:\" { print \$2 }" /proc/self/fdinfo/3)"; exec 3<&-; fi
        done' probe /proc/sys "${cand[@]#* }" 2>/dev/null) || complain "could not look into the container's mounts"
    id=$(awk '$1 == "/proc/sys" { print $2 }' <<<"$probe")
    opts=$(awk -v id="$id" '$1 == id { print $6 }' "/proc/$INIT_PID/mountinfo")
    [[ $opts =~ (^|,)ro(,|$) ]] || complain "/proc/sys is writable in the container"
    for p in "${cand[@]}"; do
        if awk -v id="${p%% *}" -v mp="${p#* }" '$1 == mp && $2 == id { f = 1 } END { exit !f }' <<<"$probe"; then
            complain "the container can write to a host file system at ${p#* }"
        fi
    done
    [ "$bad" = 0 ] && log "isolation checked ($when)"
    return "$bad"
}

# ---------------------------------------------------------------- host snapshot
#
# What the run could change on the host besides through the container, each compared
# before and after:
#  - "cgmount": the host's cgroup mounts and their (shared, superblock) options: a
#    remount inside without "bind" would change them for everyone;
#  - "cgescape": cgroups that systemd or runc inside would create where the host could
#    see them if the container's cgroup namespace were not rooted at the harness's
#    cgroups (at the top of each hierarchy and next to the harness's dirs);
#  - "file", "sysctl": /etc checksums and sysctls. The isolation checks show the run
#    had no write path to them, so a change is reported as another process's, and fails
#    the run only with OCID_HARNESS_STRICT=1.
# Nothing else on the host is diffed: other processes' cgroups, mounts and /tmp entries
# are none of the run's business. What the run itself leaves (cgroups under its name,
# processes, its canaries and state) is checked by own_leftovers.

SYSCTLS="kernel/pid_max kernel/hostname kernel/domainname kernel/core_pattern
kernel/core_uses_pid kernel/sysrq kernel/kptr_restrict kernel/printk
fs/protected_hardlinks fs/protected_symlinks fs/protected_regular fs/protected_fifos
fs/inotify/max_user_instances net/ipv4/ip_forward net/core/default_qdisc"
ESCAPE_NAMES="init.scope system.slice machine.slice user.slice"

host_snapshot() {
    local f s m d n
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
           if ($5 ~ "^/sys/fs/cgroup" || $(i + 1) ~ "^cgroup")
               print "cgmount", $5, $6, $(i + 1), $(i + 3) }' /proc/self/mountinfo | sort
    for d in $(cg_mounts | awk '{ print $2 }') $(cg_dirs_of self); do
        for n in $ESCAPE_NAMES; do
            [ ! -d "$d/$n" ] || echo "cgescape $d/$n"
        done
    done | sort -u
    for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/machine-id /etc/hostname \
             /etc/hosts /etc/fstab /etc/resolv.conf /etc/localtime; do
        if [ -e "$f" ]; then echo "file $(sha256sum <"$f" | cut -d' ' -f1) $f"; else echo "file missing $f"; fi
    done
    for s in $SYSCTLS; do
        [ ! -e "/proc/sys/$s" ] || echo "sysctl $s = $(tr '\t\n' '  ' <"/proc/sys/$s")"
    done
    return 0
}

# Compare two snapshots; print what changed; return 1 if the run changed the host.
host_compare() {
    local before after ign=${OCID_HARNESS_CHECK_IGNORE:-'^$'} out hard soft
    # read each once: they may be pipes
    before=$(cat "$1"); after=$(cat "$2")
    [ -n "$before" ] && [ -n "$after" ] || { warn "empty host snapshot"; return 1; }
    out=$(diff <(grep -Ev -- "$ign" <<<"$before") <(grep -Ev -- "$ign" <<<"$after") | grep '^[<>]') || true
    [ -n "$out" ] || return 0
    if [ "${OCID_HARNESS_STRICT:-0}" = 1 ]; then
        hard=$out; soft=
    else
        hard=$(grep -Ev '^[<>] (file|sysctl) ' <<<"$out") || true
        soft=$(grep -E '^[<>] (file|sysctl) ' <<<"$out") || true
    fi
    if [ -n "$soft" ]; then
        warn "note: changed during the run by another process (the run had no write path to it):"
        sed 's/^/    /' <<<"$soft" >&2
    fi
    [ -n "$hard" ] || return 0
    warn "THE HOST CHANGED during the run (< before, > after):"
    sed 's/^/    /' <<<"$hard" >&2
    return 1
}

# Canaries: files the harness leaves in /tmp, /var/tmp and /run while it runs; a
# systemd-tmpfiles that reached the host would remove them whatever their age.
canary_paths() { local d; for d in /tmp /var/tmp /run; do echo "$d/$TAG-canary-$1"; done; }
canaries_set() { local c; for c in $(canary_paths "$1"); do echo "$1" >"$c"; done; }
canaries_check() {
    local c bad=0
    for c in $(canary_paths "$1"); do
        if [ "$(cat "$c" 2>/dev/null)" != "$1" ]; then warn "THE HOST CHANGED: canary $c is gone or changed"; bad=1; fi
        rm -f "$c"
    done
    return "$bad"
}

# Processes started by this run on the host side (nspawn, nsenter, systemd-run, the
# watcher...) carry OCID_HARNESS_RUN=<name> in their environment from their exec on;
# the harness's own shell and its subshells do not (bash exports to children only).
marked_procs() {
    env -u OCID_HARNESS_RUN grep -lzx -- "OCID_HARNESS_RUN=$1" /proc/[0-9]*/environ 2>/dev/null |
        sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' || true
}

