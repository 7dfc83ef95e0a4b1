#!/bin/bash
# Prints, one per line, what SHELL's completion of ocictl offers for the command line
# LINE (the cursor at its end; a trailing space starts a new word):
#   tests/integration/complete.sh bash|zsh|fish COMPLETION_DIR LINE
# bash runs the script's _ocictl as complete -F would; fish asks its own complete -C; zsh
# runs _ocictl with compsys's compadd, _describe and _directories standing in, printing.
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
	zsh -f -c '
		compadd() { [[ $1 == -- ]] && shift; print -l -- ${(M)@:#${PREFIX}*}; }
		_describe() { local -a items; items=(${(P)4}); compadd -- ${items%%:*}; }
		_directories() { print -l -- ${PREFIX}*(/N); }
		words=(${(z)1}); [[ $1 == *" " ]] && words+=("")
		CURRENT=${#words}; PREFIX=$words[CURRENT]
		source $2/_ocictl' zsh "$line" "$dir"
	;;
esac
