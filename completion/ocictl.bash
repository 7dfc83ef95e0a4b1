# bash completion for ocictl: commands, each command's flags (read from its --help, so
# they never drift), the names and ids of the containers ocid has right now, and the
# images in the caller's store.

# ocictl with the --address or -H the command line gave, if any.
_ocictl_run() {
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
		case ${COMP_WORDS[i]} in
		--address=* | --host=*) set -- "${COMP_WORDS[i]}" "$@" ;;
		--address | --host | -H) set -- "${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}" "$@" ;;
		esac
	done
	ocictl --no-ask-password "$@" 2>/dev/null
}

# REPOSITORY:TAG of each image in the store, and the short ids.
_ocictl_images() {
	ocictl images 2>/dev/null | awk 'NR > 1 && $2 != "<none>" { print $1 ":" $2 }'
	ocictl images -q 2>/dev/null
}

_ocictl() {
	local cur=${COMP_WORDS[COMP_CWORD]} cmd="" i
	COMPREPLY=()
	# -H takes a host, as systemctl -H does: the hosts ssh knows.
	if [[ ${COMP_WORDS[COMP_CWORD - 1]} == @(-H|--host) ]]; then
		if declare -F _known_hosts_real >/dev/null; then
			_known_hosts_real -a -- "$cur"
		fi
		return
	fi
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--address | --host | -H) ((i++)) ;;
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--address --host -H --no-ask-password --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ocictl_run --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }' | tr -d ,)" -- "$cur"))
		fi
		return
	fi
	# The values of podman's --restart (on-failure also takes :N).
	case ${COMP_WORDS[COMP_CWORD - 1]} in
	--restart)
		COMPREPLY=($(compgen -W "no on-failure always unless-stopped" -- "$cur"))
		return
		;;
	--health-on-failure)
		COMPREPLY=($(compgen -W "none kill restart stop" -- "$cur"))
		return
		;;
	--sdnotify)
		COMPREPLY=($(compgen -W "running ready healthy" -- "$cur"))
		return
		;;
	esac
	if [[ $cmd == healthcheck && $COMP_CWORD -eq $((i + 1)) ]]; then
		COMPREPLY=($(compgen -W "run" -- "$cur"))
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_ocictl_run "$cmd" --help | grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' | tr -d ' ,' | sort -u)" -- "$cur"))
		return
	fi
	case $cmd in
	create | run)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -d -- "$cur") $(compgen -W "$(_ocictl_images)" -- "$cur"))
		;;
	rmi)
		COMPREPLY=($(compgen -W "$(_ocictl_images)" -- "$cur"))
		;;
	image)
		if [[ ${COMP_WORDS[COMP_CWORD - 1]} == image ]]; then
			COMPREPLY=($(compgen -W "inspect prune ls rm pull" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ocictl_images)" -- "$cur"))
		fi
		;;
	list | ps | events | version | pull | images) ;;
	*)
		COMPREPLY=($(compgen -W "$(_ocictl_run ps -a --format '{{.Names}}') $(_ocictl_run ps -a -q --no-trunc)" -- "$cur"))
		;;
	esac
}
complete -F _ocictl ocictl
