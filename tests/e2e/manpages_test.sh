#!/usr/bin/env bash
# The manual pages: all five render with man -l without a warning, and
# every long option that any command's --help prints (every command and
# subcommand of both programs, enumerated from their own --help) appears in
# that program's page. Then the bash completions: sourced into this shell
# and asked like readline asks (COMP_WORDS, COMP_CWORD), they offer the
# commands, each command's long options from --help, option values and
# files, and the CTIDs of the containers file. Needs no root.
. "$(dirname "$0")/common.sh"
command -v man >/dev/null || e2e_skip "needs man (man-db)"
MAN=$top_srcdir/man
T=$(mktemp -d "${TMPDIR:-/tmp}/ctv-man.XXXXXX")
trap 'rm -rf "$T"; e2e_cleanup' EXIT

# ---- rendering ---------------------------------------------------------------
for page in ctverify.8 ctnode.8 ctverify.rules.5 networks_classes.5 ctverify-statement.5; do
	f=$MAN/$page
	[ -f "$f" ] || { fail "man page $page is missing"; continue; }
	MANWIDTH=80 man --warnings -l "$f" >"$T/out" 2>"$T/warn"
	assert_eq "$?" 0 "man -l $page exits 0"
	assert_empty "$(cat "$T/warn")" "man --warnings -l $page"
	name=$(sed -n 's/^\.TH \([^ ]*\) .*/\1/p' "$f" | head -1)
	check "$page renders its NAME section" grep -q "^NAME" "$T/out"
	check "$page's .TH names its page ($name)" test "$(echo "$name" | tr A-Z a-z)" = "${page%.*}"
done

# ---- --help against the page ---------------------------------------------
# cmds PROG -> the commands its --help lists, one per line ("rules install").
cmds() {
	"$1" --help | awk '/^Commands:/ { f = 1; next } f && /^$/ { exit }
		f { sub(/^  +/, ""); n = split($0, w, "  "); print w[1] }'
}
# The page's text with roff escapes undone (\- is -, fonts dropped), so
# that an option split by hyphenation in the rendering still matches.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(en/-/g' "$1"; }

for prog in "$CTVERIFY" "$CTNODE"; do
	name=$(basename "$prog")
	plain "$MAN/$name.8" >"$T/$name.txt"
	cmds "$prog" >"$T/$name.cmds"
	assert_ge "$(wc -l <"$T/$name.cmds")" 8 "$name --help lists its commands"
	"$prog" --help >"$T/help"
	while read -r cmd; do
		# shellcheck disable=SC2086
		"$prog" $cmd --help >>"$T/help" 2>&1 || fail "$name $cmd --help fails"
		check "$name(8) documents the command '$cmd'" grep -qF -- "$cmd" "$T/$name.txt"
	done <"$T/$name.cmds"
	grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' "$T/help" | sort -u >"$T/$name.opts"
	assert_ge "$(wc -l <"$T/$name.opts")" 5 "$name's help prints long options"
	missing=
	while read -r opt; do
		grep -qE -- "$opt([^a-z0-9-]|\$)" "$T/$name.txt" || missing="$missing $opt"
	done <"$T/$name.opts"
	assert_empty "$missing" "long options of $name's --help missing from $name(8)"
done

# ---- bash completion -------------------------------------------------------
COMPL=$top_srcdir/completion
# comp PROG WORD... -> what completing the last WORD offers, sorted, on one line.
comp() {
	local prog=$1
	shift
	COMP_WORDS=("$prog" "$@")
	COMP_CWORD=$#
	COMP_LINE="$prog $*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"_$prog"
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
for prog in ctverify ctnode; do
	# shellcheck disable=SC1090
	. "$COMPL/$prog" || fail "sourcing the $prog completion"
	complete -p "$prog" >/dev/null 2>&1 || fail "the $prog completion registers with complete"
done
assert_eq "$(comp ctverify r)" "reconcile report rules" "ctverify r<TAB>: the commands"
assert_eq "$(comp ctverify rules "")" "check install remove show" "ctverify rules <TAB>: its subcommands"
assert_eq "$(comp ctverify report --format "")" "csv json svg table" "report --format: its four values"
assert_eq "$(comp ctverify rules show --format "")" "json table" "rules show --format: table and json"
assert_eq "$(comp ctverify report --format = j)" "json" "--format=j completes after the ="
assert_eq "$(comp ctverify rules install --backend "")" "auto iptables nft" "--backend values"
assert_eq "$(comp ctnode pva "")" "export report" "ctnode pva <TAB>"
assert_eq "$(comp ctnode stat --format "")" "json table" "ctnode stat --format values"
mkdir -p "$T/files" && touch "$T/files/networks_classes" "$T/files/new.rules"
assert_eq "$(comp ctverify rules install -f "$T/files/new")" "$T/files/new.rules" "-f completes files"
assert_eq "$(comp ctnode setup --classes "$T/files/net")" "$T/files/networks_classes" "--classes completes files"
printf '# CTID kind what\n101 veth veth101\n102 ip 198.18.20.102  # routed\n\n1a2b-c3 veth vethx\n' >"$T/files/containers"
assert_eq "$(CTNODE_CONFDIR=$T/files comp ctnode report --ct "")" "101 102 1a2b-c3" \
	"--ct offers the CTIDs of the containers file"
assert_eq "$(CTNODE_CONFDIR=$T/nowhere comp ctnode stat --containers "$T/files/containers" -v 10)" "101 102" \
	"-v takes the CTIDs of the --containers file on the line"
# Every long option of a command's --help is offered for that command.
for prog in ctverify ctnode; do
	bin=$CTVERIFY; [ "$prog" = ctnode ] && bin=$CTNODE
	missing=
	while read -r cmd; do
		# shellcheck disable=SC2086
		want=$("$bin" $cmd --help 2>&1 | grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u)
		# shellcheck disable=SC2086
		got=" $(comp $prog $cmd --) "
		for o in $want; do
			case $got in *" $o "*) ;; *) missing="$missing $cmd:$o" ;; esac
		done
	done <"$T/$prog.cmds"
	assert_empty "$missing" "$prog options from --help that completion does not offer"
done
e2e_done
