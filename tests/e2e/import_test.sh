#!/usr/bin/env bash
# ctnode import vznetstat on saved vznetstat/pnetstat output: the statement
# carries each class row; totals over classes 1-15 (--semantics exclusive,
# the venet era) or class 1's (--semantics overlapping, the nftables era,
# packets not exact); traffic above class 1 without --semantics is refused;
# several containers need --ct; rounded (-r) output and broken lines are
# refused with FILE:LINE. Needs no root.
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

expect 2 "one_ct.txt:5: container 101 has traffic in class 2: say how the classes were counted. --semantics exclusive" \
	"classes 2-15 with traffic and no --semantics" "$CTNODE" import vznetstat "$fx/one_ct.txt" --to @1700000000
grep -q -- "--semantics overlapping: Virtuozzo 7 since 2021 (nftables)" "$dir/err" ||
	fail "the refusal does not explain overlapping: $(cat "$dir/err")"
assert_eq "$(wc -c <"$dir/out")" 0 "and writes no statement"
"$CTNODE" import vznetstat "$fx/one_ct.txt" --semantics exclusive --to @1700000000 >"$dir/s.json"
assert_eq "$?" 0 "import of one container with --semantics exclusive exits 0"
assert_eq "$(jq 'has("packets_exact")' "$dir/s.json")" false "exclusive, packets below 2^31-1: no packets_exact key (exact)"
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
assert_eq "$("$CTNODE" import vznetstat "$dir/saved.txt" --semantics exclusive | jq .to)" 1650000000 "to defaults to the file's mtime"

# Piped straight from vznetstat: FILE is -, the window ends now.
now=$(date +%s)
"$CTNODE" import vznetstat - --semantics exclusive <"$fx/one_ct.txt" >"$dir/p.json"
assert_eq "$(jq '.totals.in_bytes' "$dir/p.json")" "$want_in" "standard input (-) is read"
assert_ge "$(jq '.to' "$dir/p.json")" "$now" "to defaults to now for standard input"
expect 2 "(stdin):2: Input(bytes): '1.5M' is a rounded value" "rounded output on standard input" \
	"$CTNODE" import vznetstat - <"$fx/rounded.txt"

expect 2 "holds 2 containers.*--ct CTID" "a file with two containers and no --ct" \
	"$CTNODE" import vznetstat "$fx/uuid_many.txt"
"$CTNODE" import vznetstat "$fx/uuid_many.txt" --ct 9b2e4f6a-1c3d-4e5f-8a7b-0c1d2e3f4a5b >"$dir/u.json"
assert_eq "$(jq -r '.ct, .totals.in_bytes' "$dir/u.json" | paste -sd' ')" \
	"9b2e4f6a-1c3d-4e5f-8a7b-0c1d2e3f4a5b 10000" "--ct picks one UUID (class 1 only: no --semantics needed)"
for sem in exclusive overlapping; do
	"$CTNODE" import vznetstat "$fx/uuid_many.txt" --ct 9b2e4f6a-1c3d-4e5f-8a7b-0c1d2e3f4a5b \
		--semantics $sem >"$dir/u.$sem.json"
	assert_eq "$(jq -c .totals "$dir/u.$sem.json")" "$(jq -c .totals "$dir/u.json")" \
		"class 1 only: --semantics $sem gives the same totals"
done
expect 2 "container 42 not found" "an absent --ct" "$CTNODE" import vznetstat "$fx/uuid_many.txt" --ct 42

"$CTNODE" import vznetstat "$fx/bytes_only.txt" --semantics exclusive --to @100 >"$dir/b.json"
assert_eq "$(jq -c '[.totals.in_bytes, .totals.out_bytes, (.totals | has("in_packets"))]' "$dir/b.json")" \
	"[220,330,false]" "bytes-only output: packets absent, columns by name"

expect 2 "rounded.txt:2: Input(bytes): '1.5M' is a rounded value (vznetstat -r)" "rounded -r output" \
	"$CTNODE" import vznetstat "$fx/rounded.txt"
printf 'CTID Net.Class Input(bytes) Input(pkts) Output(bytes) Output(pkts)\n101 1 1 1 1 1\n101 2 1 1 x 1\n' >"$dir/bad.txt"
expect 2 "bad.txt:3: Output(bytes): 'x' is not a whole number" "a bad value" \
	"$CTNODE" import vznetstat "$dir/bad.txt"
# An nftables-era listing (Virtuozzo 7 since 2021): class 1 >= class 2 >= 0
# in every column, the UUID header after a prompt, class 1's input packets
# stopped at 2^31-1.
nft=$fx/nft_overlapping.txt
check "the fixture's classes overlap: every class at most class 1 in every column" awk '
	$2 == "Net.Class" { h = 1; next } !h { next }
	$2 == 1 { for (i = 3; i <= 6; i++) one[i] = $i; next }
	{ for (i = 3; i <= 6; i++) v[$2, i] = $i; cls[$2] = 1 }
	END { for (c in cls) for (i = 3; i <= 6; i++) if (v[c, i] + 0 > one[i] + 0) exit 1 }' "$nft"
expect 2 "nft_overlapping.txt:5: container 5b2f7a1e-0c4d-4e8f-9a3b-6d1e2f3a4b5c has traffic in class 2" \
	"an nft-era listing without --semantics" "$CTNODE" import vznetstat "$nft" --to @1700000000
"$CTNODE" import vznetstat "$nft" --semantics overlapping --to @1700000000 >"$dir/o.json"
assert_eq "$?" 0 "--semantics overlapping exits 0"
# Independent figures from the fixture: class 1's row, and classes 1-15.
c1=$(awk '$2 == 1 && NF == 6 { print $3, $4, $5, $6 }' "$nft")
assert_eq "$(jq -r '.totals | "\(.in_bytes) \(.in_packets) \(.out_bytes) \(.out_packets)"' "$dir/o.json")" "$c1" \
	"overlapping: the totals are class 1's row"
assert_eq "$(jq .packets_exact "$dir/o.json")" false "overlapping: \"packets_exact\": false"
assert_eq "$(jq '.classes | length' "$dir/o.json")" 16 "every class row is kept as listed"
"$CTNODE" import vznetstat "$nft" --semantics exclusive --to @1700000000 >"$dir/x.json"
assert_eq "$(jq .totals.in_bytes "$dir/x.json")" "$(awk '$2 ~ /^[0-9]+$/ && $2 != 0 && NF == 6 { s += $3 } END { printf "%.0f", s }' "$nft")" \
	"exclusive: the same listing sums classes 1-15 (what double counts an nft-era node)"
assert_eq "$(jq .packets_exact "$dir/x.json")" false "a packet value at 2^31-1: \"packets_exact\": false with exclusive too"
expect 2 "--semantics: 'venet' is neither exclusive nor overlapping" "a bad --semantics" \
	"$CTNODE" import vznetstat "$nft" --semantics venet
printf 'CTID Net.Class Input(bytes) Input(pkts) Output(bytes) Output(pkts)\n101 1 100 10 200 20\n101 2 300 1 2 1\n' >"$dir/notsub.txt"
expect 2 "notsub.txt:3: container 101 class 2 Input(bytes) 300 is more than class 1's 100" \
	"overlapping with a class larger than class 1" "$CTNODE" import vznetstat "$dir/notsub.txt" --semantics overlapping

expect 2 "No such file" "a missing file" "$CTNODE" import vznetstat "$dir/absent.txt"
expect 2 "FILE is required" "no file" "$CTNODE" import vznetstat
expect 0 "" "--help" "$CTNODE" import vznetstat --help
grep -q '^Usage: ctnode import vznetstat FILE' "$dir/out" || fail "--help shows no usage"
grep -q -- '--semantics exclusive|overlapping' "$dir/out" || fail "--help does not show --semantics"

e2e_done
