#!/bin/bash
# Prints, one per line, what SHELL's completion of ocictl offers for the command line
# LINE (the cursor at its end; a trailing space starts a new word):
#   tests/integration/complete.sh bash|zsh|fish COMPLETION_DIR LINE
# bash runs the script's _ocictl as complete -F would; fish asks its own complete -C; zsh's
# own completion system completes on a pty (complete-zsh.zsh).
set -u
shell=$1 dir=$2 line=$3
case $shell in
bash)
	# shellcheck disable=SC1091
	source "$dir/ocictl.bash"
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	compopt() { :; }
	_ocictl
	printf '%s\n' "${COMPREPLY[@]}"
	;;
fish)
	fish --no-config -c "source $dir/ocictl.fish; complete -C '$line'" | cut -f1
	;;
zsh)
	timeout 30 zsh -f "$(dirname "$0")/complete-zsh.zsh" "$dir" "$line"
	;;
esac
