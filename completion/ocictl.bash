# bash completion for ocictl: commands, each command's flags (read from its --help, so
# they never drift), and the names and ids of the containers ocid has right now.

# ocictl with the --address the command line gave, if any.
_ocictl_run() {
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
		case ${COMP_WORDS[i]} in
		--address=*) set -- "${COMP_WORDS[i]}" "$@" ;;
		--address) set -- --address "${COMP_WORDS[i + 1]}" "$@" ;;
		esac
	done
	ocictl --no-ask-password "$@" 2>/dev/null
}

_ocictl() {
	local cur=${COMP_WORDS[COMP_CWORD]} cmd="" i
	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--address) ((i++)) ;;
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--address --no-ask-password --help --version" -- "$cur"))
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
		COMPREPLY=($(compgen -d -- "$cur"))
		;;
	list | ps | events | version) ;;
	*)
		COMPREPLY=($(compgen -W "$(_ocictl_run ps -a --format '{{.Names}}') $(_ocictl_run ps -a -q --no-trunc)" -- "$cur"))
		;;
	esac
}
complete -F _ocictl ocictl
