#!/bin/zsh -f
# What zsh's own completion system offers for ocictl LINE: an interactive zsh on a pty
# (zsh/zpty) with compinit and COMPLETION_DIR in fpath types LINE and a tab; compadd,
# wrapped, prints each match that compsys kept, between <<< and >>>.
#   tests/integration/complete-zsh.zsh COMPLETION_DIR LINE
dir=$1 line=$2
zmodload zsh/zpty || exit 2
zpty z zsh -f -i
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'PROMPT=""; RPROMPT=""; bindkey "^I" complete-word'
zpty -w z 'zstyle ":completion:*" list-prompt ""; zstyle ":completion:*" select-prompt ""'
zpty -w z 'compadd() { local -a __m; builtin compadd -A __m "$@"; (( $#__m )) || return 1;
	print; for __x in $__m; do print -r -- "<<<$__x>>>"; done; builtin compadd "$@"; }'
zpty -w z 'comppostfuncs=(__done); __done() { print -- "\n@@DONE@@"; }'
zpty -w z 'print @@READY@@'
zpty -r z out '*@@READY@@*' || exit 3
zpty -w -n z "$line"$'\t'
# Blocks until the completion has said it is done (the caller bounds it with timeout).
zpty -r z out '*@@DONE@@*' || exit 4
zpty -d z
setopt extendedglob
print -l -- ${${(M)${(f)out//$'\r'/}:#*<<<*>>>*}//(#b)*<<<(*)>>>*/$match[1]} | sort -u
