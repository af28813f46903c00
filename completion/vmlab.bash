# SPDX-License-Identifier: GPL-2.0
# bash completion for vmlab(1): commands, then each command's long options
# as its own --help lists them, so the two cannot drift apart.

_vmlab()
{
	local cur prev words cword cmd i
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}

	cmd=""
	for ((i = 1; i < cword; i++)); do
		case "${words[i]}" in
		-*) ;;
		*) cmd="$cmd ${words[i]}" ;;
		esac
	done
	cmd=${cmd# }

	case "$prev" in
	--backing | --pin | --unpin)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	esac

	case "$cmd" in
	"")
		mapfile -t COMPREPLY < <(compgen -W "info walk pt tlb ws cow run simulate bench trace -j --json --help --version" -- "$cur")
		;;
	bench)
		mapfile -t COMPREPLY < <(compgen -W "fault trace evict" -- "$cur")
		;;
	*)
		# shellcheck disable=SC2086
		mapfile -t COMPREPLY < <(compgen -W "$("${words[0]}" $cmd --help 2>/dev/null |
			grep -o -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur")
		;;
	esac
}
complete -F _vmlab vmlab
