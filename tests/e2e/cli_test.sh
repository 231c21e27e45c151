#!/usr/bin/env bash
# Command-line behaviour both programs share: --help, --version, and usage
# errors that exit 2 with a message. Needs no root.
. "$(dirname "$0")/common.sh"

expect_exit() { # WANT DESCRIPTION CMD...
	local want=$1 what=$2 rc
	shift 2
	"$@" >/tmp/ctv-cli.$$ 2>&1
	rc=$?
	assert_eq "$rc" "$want" "$what exits $want"
}

for prog in "$CTVERIFY" "$CTNODE"; do
	name=$(basename "$prog")
	expect_exit 0 "$name --help" "$prog" --help
	grep -q "^Usage: $name COMMAND" /tmp/ctv-cli.$$ || fail "$name --help shows no usage line"
	expect_exit 0 "$name --version" "$prog" --version
	grep -Eq "^$name [0-9]+\.[0-9]+" /tmp/ctv-cli.$$ || fail "$name --version prints no version"
	expect_exit 2 "$name without a command" "$prog"
	expect_exit 2 "$name with an unknown command" "$prog" frobnicate
	grep -q "unknown command 'frobnicate'" /tmp/ctv-cli.$$ || fail "$name does not name the unknown command"
	expect_exit 2 "$name with an unknown option" "$prog" --frob
done
rm -f /tmp/ctv-cli.$$
e2e_done
