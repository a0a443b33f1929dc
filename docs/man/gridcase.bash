# gridcase.bash - bash completion for gridcase.
#
# The candidates come from gridcase itself (`gridcase complete`, from its
# command table): commands, subcommands, options, and from the node given
# by --dir (or $GRIDCASE_DIR), case ids and members' names.  When it has
# nothing to offer (a file, a free text), bash completes file names.
# Installed as /usr/share/bash-completion/completions/gridcase.

_gridcase() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local IFS=$'\n'
	local words
	words=$("${COMP_WORDS[0]}" complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
	# shellcheck disable=SC2207 # one candidate a line, IFS is a newline
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _gridcase gridcase
