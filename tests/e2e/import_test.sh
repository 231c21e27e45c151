#!/usr/bin/env bash
# ctnode import vznetstat on saved vznetstat/pnetstat output: the statement
# carries each class row and totals over classes 1-15; several containers
# need --ct; rounded (-r) output and broken lines are refused with FILE:LINE.
# Needs no root.
. "$(dirname "$0")/common.sh"
command -v jq >/dev/null || e2e_skip "needs jq"

fx=$top_srcdir/tests/fixtures/vznetstat
dir=$(mktemp -d /tmp/ctv-import-e2e.XXXXXX)
trap 'rm -rf "$dir"; e2e_cleanup' EXIT

expect() { # WANT-EXIT PATTERN DESCRIPTION CMD...
	local want=$1 pat=$2 what=$3 rc
	shift 3
	"$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	assert_eq "$rc" "$want" "$what exits $want"
	[ -z "$pat" ] || grep -q -- "$pat" "$dir/err" || fail "$what: stderr lacks '$pat': $(cat "$dir/err")"
}

"$CTNODE" import vznetstat "$fx/one_ct.txt" --to @1700000000 >"$dir/s.json"
assert_eq "$?" 0 "import of one container exits 0"
assert_eq "$(jq -r '[.format, .source, .ct, .from, .to] | join(" ")' "$dir/s.json")" \
	"ctverify-statement/1 vznetstat 101 0 1700000000" "statement header"
# Independent sums of the fixture: classes 1-15 of container 101.
want_in=$(awk '$1 == 101 && $2 != 0 { s += $3 } END { print s }' "$fx/one_ct.txt")
want_outp=$(awk '$1 == 101 && $2 != 0 { s += $6 } END { print s }' "$fx/one_ct.txt")
assert_eq "$(jq '.totals.in_bytes' "$dir/s.json")" "$want_in" "totals.in_bytes = classes 1-15"
assert_eq "$(jq '.totals.out_packets' "$dir/s.json")" "$want_outp" "totals.out_packets = classes 1-15"
assert_eq "$(jq -c '[.classes[].class]' "$dir/s.json")" "[0,1,2,3]" "every class row is kept, class 0 too"
assert_eq "$(jq '.classes[0].in_bytes' "$dir/s.json")" 5000 "class 0 figures are kept"

# Without --to, the window ends when the file was saved.
cp -p "$fx/one_ct.txt" "$dir/saved.txt" && touch -d @1650000000 "$dir/saved.txt"
assert_eq "$("$CTNODE" import vznetstat "$dir/saved.txt" | jq .to)" 1650000000 "to defaults to the file's mtime"

# Piped straight from vznetstat: FILE is -, the window ends now.
now=$(date +%s)
"$CTNODE" import vznetstat - <"$fx/one_ct.txt" >"$dir/p.json"
assert_eq "$(jq '.totals.in_bytes' "$dir/p.json")" "$want_in" "standard input (-) is read"
assert_ge "$(jq '.to' "$dir/p.json")" "$now" "to defaults to now for standard input"
expect 2 "(stdin):2: Input(bytes): '1.5M' is a rounded value" "rounded output on standard input" \
	"$CTNODE" import vznetstat - <"$fx/rounded.txt"

expect 2 "holds 2 containers.*--ct CTID" "a file with two containers and no --ct" \
	"$CTNODE" import vznetstat "$fx/uuid_many.txt"
"$CTNODE" import vznetstat "$fx/uuid_many.txt" --ct 9b2e4f6a-1c3d-4e5f-8a7b-0c1d2e3f4a5b >"$dir/u.json"
assert_eq "$(jq -r '.ct, .totals.in_bytes' "$dir/u.json" | paste -sd' ')" \
	"9b2e4f6a-1c3d-4e5f-8a7b-0c1d2e3f4a5b 10000" "--ct picks one UUID"
expect 2 "container 42 not found" "an absent --ct" "$CTNODE" import vznetstat "$fx/uuid_many.txt" --ct 42

"$CTNODE" import vznetstat "$fx/bytes_only.txt" --to @100 >"$dir/b.json"
assert_eq "$(jq -c '[.totals.in_bytes, .totals.out_bytes, (.totals | has("in_packets"))]' "$dir/b.json")" \
	"[220,330,false]" "bytes-only output: packets absent, columns by name"

expect 2 "rounded.txt:2: Input(bytes): '1.5M' is a rounded value (vznetstat -r)" "rounded -r output" \
	"$CTNODE" import vznetstat "$fx/rounded.txt"
printf 'CTID Net.Class Input(bytes) Input(pkts) Output(bytes) Output(pkts)\n101 1 1 1 1 1\n101 2 1 1 x 1\n' >"$dir/bad.txt"
expect 2 "bad.txt:3: Output(bytes): 'x' is not a whole number" "a bad value" \
	"$CTNODE" import vznetstat "$dir/bad.txt"
expect 2 "No such file" "a missing file" "$CTNODE" import vznetstat "$dir/absent.txt"
expect 2 "FILE is required" "no file" "$CTNODE" import vznetstat
expect 0 "" "--help" "$CTNODE" import vznetstat --help
grep -q '^Usage: ctnode import vznetstat FILE' "$dir/out" || fail "--help shows no usage"

e2e_done
