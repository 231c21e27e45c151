#!/usr/bin/env bash
# The map of the tree (docs/DESIGN.md, "Map of the tree") held against the
# code: each room includes only the rooms the map allows; one file talks
# nftables netlink; no function is over 120 lines; the command files stay
# thin; no program shells out. Needs no root.
. "$(dirname "$0")/common.sh"
cd "$top_srcdir" || e2e_skip "no source tree at $top_srcdir"

# The rooms, and what each may include besides itself (and system headers).
declare -A ALLOWED=(
	[ctverify/lib]=""
	[ctverify/cli]="ctverify/lib"
	[ctverify/acct]="ctverify/lib"
	[node-side/lib]="ctverify/lib"
	[ctverify]="ctverify/lib ctverify/cli ctverify/acct"
	[node-side]="ctverify/lib ctverify/cli node-side/lib"
)
ROOMS="ctverify/lib ctverify/cli ctverify/acct node-side/lib ctverify node-side"

# room_of HEADER -> the room that holds it (config.h and system headers: none)
room_of() {
	local r
	for r in $ROOMS; do [ -f "$r/$1" ] && { echo "$r"; return; }; done
}

n=0
for room in $ROOMS; do
	for f in "$room"/*.[ch]; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
			[ "$h" = config.h ] && continue
			# A program's own commands.h lives in its own room.
			[ -f "$room/$h" ] && continue
			hr=$(room_of "$h")
			[ -n "$hr" ] || { fail "$f includes \"$h\", which no room holds"; continue; }
			case " ${ALLOWED[$room]} " in
			*" $hr "*) ;;
			*) fail "$f ($room) includes $hr/$h: the map does not allow $room -> $hr" ;;
			esac
		done
	done
done
assert_ge "$n" 50 "source files checked against the map"
[ "$(e2e_fails)" = 0 ] && ok "every include follows the map"

nl=$(grep -rl 'mnl_socket_open(NETLINK_NETFILTER)' --include='*.c' ctverify node-side | tr '\n' ' ')
assert_eq "$nl" "ctverify/lib/nfnl.c " "one file opens nftables netlink sockets"

# Functions: from a line starting a definition at column 0 to its closing
# brace at column 0 (the style of this tree).
long=$(find ctverify node-side bench tests -name '*.c' | sort | xargs awk '
	FNR == 1 { s = 0 }
	/^[a-zA-Z].*\(/ && !/;[ \t]*$/ { name = $0 }
	/^\{/ { s = FNR }
	/^\}/ { if (s && FNR - s + 1 > 120) printf "%s:%d %d lines: %s\n", FILENAME, s, FNR - s + 1, name; s = 0 }')
assert_empty "$long" "no function is over 120 lines"
nfn=$(find ctverify node-side bench tests -name '*.c' | sort | xargs grep -c '^{' | awk -F: '{ s += $2 } END { print s + 0 }')
assert_ge "$nfn" 500 "functions measured"

cmdlines=$(cat ctverify/cmd_*.c node-side/cmd_*.c | wc -l)
assert_le "$cmdlines" 2500 "the command files together (lines)"

shellout=$(grep -nE '\b(system|popen|execl|execlp|execv|execvp|execve)[[:space:]]*\(' \
	ctverify/*.c ctverify/*/*.c node-side/*.c node-side/*/*.c | grep -v '^\S*:[0-9]*:\s*\*' || true)
assert_empty "$shellout" "no program shells out (system, popen, exec*)"

e2e_done
