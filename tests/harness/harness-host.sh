# harness-host.sh: sourced by systemd-harness.sh. Its cgroups in every hierarchy (made,
# thawed, destroyed, and the stale ones of dead harnesses cleaned), and the host state it
# snapshots before a run and compares after, with canaries in the shared temporary dirs.
# shellcheck shell=bash

# ---------------------------------------------------------------- cgroups

# Mount points of cgroup file systems: "fstype mountpoint superopts" per line.
cg_mounts() {
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
           fs = $(i + 1); if (fs == "cgroup" || fs == "cgroup2") print fs, $5, $(i + 3) }' \
        /proc/self/mountinfo
}

# For the calling process, print one directory per hierarchy: the mount point joined
# with the process's cgroup path in it (from a single read of /proc/self/cgroup).
cg_own_dirs() {
    local cg mounts line id ctrls path mnt
    cg=$(cat /proc/self/cgroup)
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
    for parent in $(cg_own_dirs); do
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

# ---------------------------------------------------------------- host snapshot

SYSCTLS="kernel/pid_max kernel/hostname kernel/domainname kernel/core_pattern
kernel/core_uses_pid kernel/sysrq kernel/kptr_restrict kernel/printk
fs/protected_hardlinks fs/protected_symlinks fs/protected_regular fs/protected_fifos
fs/inotify/max_user_instances net/ipv4/ip_forward net/core/default_qdisc"
# Entries of /tmp and /var/tmp younger than this (ctime, seconds) may come and go with
# whatever else runs on the machine (compilers, other tests); older ones must stay.
TMP_AGE=120
# New entries in /tmp or /var/tmp that only systemd/nspawn/libmount would make.
TMP_ARTIFACTS='^(\.X11-unix|\.ICE-unix|\.XIM-unix|\.font-unix|\.Test-unix|systemd-private-.*|nspawn-.*|mount|utab)$'

# One line per fact, first word = kind. Everything but "tmp" is compared strictly.
host_snapshot() {
    local f d s t
    find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -not -path "*/$TAG-*" 2>/dev/null |
        sed 's/^/cgroup /' | sort || true
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
           if ($5 ~ "^/sys/fs/cgroup" || $(i + 1) ~ "^cgroup")
               print "mount", $5, $6, $(i + 1), $(i + 3) }' /proc/self/mountinfo | sort
    echo "mounts $(wc -l </proc/self/mountinfo)"
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
           if (!($5 ~ "^/sys/fs/cgroup" || $(i + 1) ~ "^cgroup")) print "mnt", $5, $(i + 1), $6 }' \
        /proc/self/mountinfo | sort
    for f in /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/machine-id /etc/hostname \
             /etc/hosts /etc/fstab /etc/resolv.conf /etc/localtime; do
        if [ -e "$f" ]; then echo "file $(sha256sum <"$f" | cut -d' ' -f1) $f"; else echo "file missing $f"; fi
    done
    for s in $SYSCTLS; do
        [ ! -e "/proc/sys/$s" ] || echo "sysctl $s = $(tr '\t\n' '  ' <"/proc/sys/$s")"
    done
    # what systemd, nspawn or libmount would leave if they reached the host
    find /run/systemd /run/mount /var/lib/machines /var/lib/systemd /var/log/journal \
        -maxdepth 2 2>/dev/null | sed 's/^/state /' | sort || true
    find /run -mindepth 1 -maxdepth 1 -not -name "$TAG-*" -printf 'run %p\n' 2>/dev/null | sort || true
    t=$(date +%s)
    for d in /tmp /var/tmp; do
        find "$d" -mindepth 1 -maxdepth 1 -printf '%f %C@\n' 2>/dev/null |
            awk -v d="$d" -v now="$t" -v age="$TMP_AGE" -v tag="$TAG-" \
                'index($1, tag) != 1 { print "tmp", d "/" $1, (now - $2 > age ? "old" : "new") }' || true
    done | sort
    return 0
}

# Compare two snapshots; print what changed; return 1 if the host changed.
host_compare() {
    local before after ign=${OCID_HARNESS_CHECK_IGNORE:-'^$'} out bad=0 p
    # read each once: they may be pipes
    before=$(cat "$1"); after=$(cat "$2")
    [ -n "$before" ] && [ -n "$after" ] || { warn "empty host snapshot"; return 1; }
    out=$(diff <(grep -v '^tmp ' <(echo "$before") | grep -Ev -- "$ign") \
               <(grep -v '^tmp ' <(echo "$after") | grep -Ev -- "$ign") | grep '^[<>]') || true
    # /tmp and /var/tmp: old entries must survive; new ones are fatal only if they look
    # like systemd's or nspawn's (or with OCID_HARNESS_STRICT=1).
    local gone added
    gone=$(comm -23 <(awk '$1 == "tmp" && $3 == "old" { print $2 }' <(echo "$before") | sort) \
                    <(awk '$1 == "tmp" { print $2 }' <(echo "$after") | sort) | grep -Ev -- "$ign") || true
    added=$(comm -13 <(awk '$1 == "tmp" { print $2 }' <(echo "$before") | sort) \
                     <(awk '$1 == "tmp" { print $2 }' <(echo "$after") | sort) | grep -Ev -- "$ign") || true
    [ -z "$gone" ] || out+=${out:+$'\n'}$(sed 's/^/< tmp (removed) /' <<<"$gone")
    while IFS= read -r p; do
        [ -n "$p" ] || continue
        if [ "${OCID_HARNESS_STRICT:-0}" = 1 ] || [[ ${p##*/} =~ $TMP_ARTIFACTS ]]; then
            out+=${out:+$'\n'}"> tmp (added) $p"
        else
            log "note: $p appeared meanwhile (not counted: may be another process's)"
        fi
    done <<<"$added"
    if [ -n "$out" ]; then
        warn "THE HOST CHANGED during the run (< before, > after):"
        sed 's/^/    /' <<<"$out" >&2
        bad=1
    fi
    return "$bad"
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
