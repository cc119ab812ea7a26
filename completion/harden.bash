# SPDX-License-Identifier: MIT
# bash completion for harden(1).
#
# Nothing here lists an option by hand: verbs come from `harden --help`, each verb's options (and
# whether they take a value, and which) from `harden VERB --help`, syscall groups and names from
# `harden syscall-filter`, settings for -p from `harden show`. tests/integration/completion-bash.sh
# drives _harden and compares what it offers with the manual pages.
# Works with or without the bash-completion package (it only uses bash builtins, sed and awk).

# The harden to ask: the one being completed if it was typed with a path, else the one in PATH.
_harden_bin()
{
	local b=${COMP_WORDS[0]:-harden}
	case $b in
	*/*) b=${b/#\~/$HOME} ;;
	*) b=$(type -P "$b" 2>/dev/null) || b=harden ;;
	esac
	printf '%s\n' "$b"
}

# "NAME<TAB>VALUE" for every option line of `harden VERB --help` (NAME is --long or -x; VALUE is the
# value's name as --help writes it, empty for a flag or an optional value). Cached per verb.
declare -gA _harden_opts_cache 2>/dev/null || declare -A _harden_opts_cache
_harden_options()
{
	local verb=$1
	if [[ -z ${_harden_opts_cache[$verb]+set} ]]; then
		_harden_opts_cache[$verb]=$("$(_harden_bin)" "$verb" --help 2>/dev/null | awk '
			/^ +(-[A-Za-z], +)?--[a-z]/ {
				spec = $0; sub(/^ +/, "", spec)
				n = index(spec, "  "); if (n) spec = substr(spec, 1, n - 1)
				short = ""
				if (spec ~ /^-[A-Za-z], /) { short = substr(spec, 1, 2); spec = substr(spec, 4); sub(/^ +/, "", spec) }
				if (!match(spec, /^--[a-z0-9][a-z0-9-]*/)) next
				long = substr(spec, 1, RLENGTH); rest = substr(spec, RLENGTH + 1); val = ""
				if (rest ~ /^=/) val = substr(rest, 2)
				else if (rest ~ /^ [A-Z]/) val = substr(rest, 2)
				sub(/ .*/, "", val)
				eq = (rest ~ /^=/) ? "=" : ""
				print long eq "\t" val
				if (short != "") print short "\t" val
			}')
	fi
	printf '%s\n' "${_harden_opts_cache[$verb]}"
}

# The value name of option $2 of verb $1 (empty: a flag, or not an option of that verb).
_harden_option_value()
{
	local name val
	while IFS=$'\t' read -r name val; do
		[[ ${name%=} == "$2" ]] && { printf '%s\n' "$val"; return; }
	done < <(_harden_options "$1")
}

# What harden lists (groups, syscalls, architectures, settings): asked once per shell and binary.
declare -gA _harden_list_cache 2>/dev/null || declare -A _harden_list_cache
_harden_list()
{
	local b key
	b=$(_harden_bin)
	key="$b $1"
	if [[ -z ${_harden_list_cache[$key]+set} ]]; then
		case $1 in
		# syscall groups (@name), and every syscall systemd knows (the members of @known)
		groups) _harden_list_cache[$key]=$("$b" syscall-filter -q 2>/dev/null | sed -n 's/^\(@[a-z0-9-]*\)$/\1/p') ;;
		syscalls) _harden_list_cache[$key]=$("$b" syscall-filter @known 2>/dev/null |
			sed -n 's/^    \([a-z_0-9]*\)$/\1/p') ;;
		# architecture names in systemd's spelling
		arches) _harden_list_cache[$key]=$("$b" syscall-filter --json fchown 2>/dev/null |
			grep -o '"arch": *"[^"]*"' | sed 's/.*"\([^"]*\)"$/\1/' | awk '!seen[$0]++') ;;
		# the settings harden show prints, as SETTING=
		settings) _harden_list_cache[$key]=$("$b" show 2>/dev/null | sed -n 's/^\([A-Za-z]*\)=.*/\1=/p') ;;
		esac
	fi
	printf '%s\n' "${_harden_list_cache[$key]}"
}
# Service units in the search path `harden security` looks bare names up in.
_harden_units()
{
	local d f
	for d in /etc/systemd/system /run/systemd/system /usr/local/lib/systemd/system \
		/usr/lib/systemd/system /lib/systemd/system; do
		for f in "$d"/*.service; do
			[[ -e $f ]] && printf '%s\n' "${f##*/}"
		done
	done | sort -u
}

# COMPREPLY += words of $1 (one per line) that start with $2, each prefixed with $3.
_harden_add()
{
	local w
	while IFS= read -r w; do
		[[ -n $w && $w == "$2"* ]] && COMPREPLY+=("$3$w")
	done <<<"$1"
}
_harden_files() { local IFS=$'\n'; COMPREPLY+=($(compgen -f -- "$1")); compopt -o filenames 2>/dev/null; }
_harden_dirs() { local IFS=$'\n'; COMPREPLY+=($(compgen -d -- "$1")); compopt -o filenames 2>/dev/null; }

# -p SETTING=VALUE: the settings `harden show` prints, then values for the list settings.
_harden_property()
{
	local cur=$1 key val
	if [[ $cur != *=* ]]; then
		_harden_add "$(_harden_list settings)" "$cur" ""
		compopt -o nospace 2>/dev/null
		return
	fi
	key=${cur%%=*}= val=${cur#*=}
	case $key in
	SystemCallFilter= | SystemCallLog=)
		[[ $val == "~"* ]] && key+="~" val=${val#\~}
		_harden_add "$(_harden_list groups; _harden_list syscalls)" "$val" "$key" ;;
	SystemCallArchitectures=) _harden_add "$(printf 'native\n'; _harden_list arches)" "$val" "$key" ;;
	*) _harden_add $'yes\nno' "$val" "$key" ;;
	esac
}

# Complete the value $3 of option $2 (value name $4) for verb $1.
_harden_value()
{
	local verb=$1 opt=$2 cur=$3 what=$4
	case $what in
	*'|'*)
		if [[ $what =~ ^[a-z0-9.-]+(\|[a-z0-9.-]+)+$ ]]; then
			# a range of numbers ("252..262") stands for each of them
			local w words=""
			for w in ${what//|/ }; do
				if [[ $w =~ ^([0-9]+)\.\.([0-9]+)$ ]]; then
					words+=$(seq "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")$'\n'
				else
					words+=$w$'\n'
				fi
			done
			_harden_add "$words" "$cur" ""
		else
			_harden_files "$cur"
		fi ;;
	*=*) _harden_property "$cur" ;;
	ARCH) _harden_add "$(_harden_list arches)" "$cur" "" ;;
	DIR | PATH) [[ $opt == --cgroup ]] && _harden_dirs "$cur" || _harden_files "$cur" ;;
	PID) _harden_add "$(cd /proc 2>/dev/null && printf '%s\n' [0-9]*)" "$cur" "" ;;
	N | NAME | SECONDS | V | VER) ;;
	*) _harden_files "$cur" ;;
	esac
}

_harden()
{
	# Rejoin what bash split at COMP_WORDBREAKS ('=', '@', ':' ...) where COMP_LINE has no space
	# between the pieces: "--json" "=" "pre" -> "--json=pre", "SystemCallFilter" "=" "~" "@" "ch" ->
	# "SystemCallFilter=~@ch"; but "syscall-filter" "@" stay two words.
	local -a words=()
	local i cword=0 w rest trimmed pos=0
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]} rest=${COMP_LINE:pos}
		trimmed=${rest#"${rest%%[![:space:]]*}"}
		pos=$((pos + ${#rest} - ${#trimmed} + ${#w}))
		if ((i > 1)) && [[ ${#rest} -eq ${#trimmed} ]]; then
			words[${#words[@]} - 1]+=$w
		else
			words+=("$w")
		fi
		((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
	done
	local cur=${words[cword]} prev=${words[cword - 1]}
	COMPREPLY=()
	if ((cword == 1)); then
		_harden_add "$("$(_harden_bin)" --help 2>/dev/null |
			sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\)  .*/\1/p'; printf -- '--help\n--version\n')" "$cur" ""
		return 0
	fi
	local verb=${words[1]} dashdash=0
	[[ -n $(_harden_options "$verb") ]] || return 0
	for ((i = 2; i < cword; i++)); do
		[[ ${words[i]} == -- ]] && { dashdash=$i; break; }
	done
	# after '--', run and learn take a command and its arguments
	if ((dashdash)) && [[ $verb == run || $verb == learn ]]; then
		if ((cword == dashdash + 1)); then
			local IFS=$'\n'
			COMPREPLY=($(compgen -c -- "$cur" | sort -u))
		else
			_harden_files "$cur"
		fi
		return 0
	fi
	_harden_word "$verb" "$cur" "$prev"
	# readline replaces only the text after the last word-break character: offer that part
	local k strip= breaks=${COMP_WORDBREAKS//[[:space:]]/}
	for ((k = ${#cur} - 1; k >= 0; k--)); do
		[[ $breaks == *"${cur:k:1}"* ]] && { strip=${cur:0:k+1}; break; }
	done
	if [[ -n $strip ]]; then
		for ((i = 0; i < ${#COMPREPLY[@]}; i++)); do
			COMPREPLY[i]=${COMPREPLY[i]#"$strip"}
		done
	fi
	return 0
}

# COMPREPLY = whole words for the word $2 of verb $1 after the word $3.
_harden_word()
{
	local verb=$1 cur=$2 prev=$3 what name val
	if [[ $cur == --*=* ]]; then # --opt=VALUE
		what=$(_harden_option_value "$verb" "${cur%%=*}")
		[[ -n $what ]] || return
		_harden_value "$verb" "${cur%%=*}" "${cur#*=}" "$what"
		for ((i = 0; i < ${#COMPREPLY[@]}; i++)); do
			COMPREPLY[i]=${cur%%=*}=${COMPREPLY[i]}
		done
		return
	fi
	if [[ $prev == -* ]]; then # --opt VALUE, -p VALUE
		what=$(_harden_option_value "$verb" "$prev")
		if [[ -n $what ]]; then
			_harden_value "$verb" "$prev" "$cur" "$what"
			return
		fi
	fi
	if [[ $cur == -* ]]; then
		while IFS=$'\t' read -r name val; do
			[[ $name == --* && $name == "$cur"* ]] && COMPREPLY+=("$name")
		done < <(_harden_options "$verb")
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		return
	fi
	case $verb in
	security) _harden_add "$(_harden_units)" "$cur" ""; _harden_files "$cur" ;;
	syscall-filter) _harden_add "$(_harden_list groups; _harden_list syscalls)" "$cur" "" ;;
	*) _harden_files "$cur" ;;
	esac
}
complete -F _harden harden
