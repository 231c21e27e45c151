#!/usr/bin/env bash
# ctverify metrics and ctnode metrics in the lab: the Prometheus text
# format checked strictly (tests/e2e/promtext.awk, and promtool check
# metrics when it is installed), the per-service figures equal to 'rules
# show --format json', the node's to 'stat --format json', the store's last
# snapshot time and gap events (one after our table was deleted and a
# snapshot put it back), and --textfile: DIR/NAME.prom written whole, by a
# rename, no temporary file left; an unwritable DIR is an error that leaves
# the old file.
. "$(dirname "$0")/common.sh"
e2e_require_root nft awk
. "$top_srcdir/tests/lab/lab.sh"
PROMTEXT=$top_srcdir/tests/e2e/promtext.awk

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF CTNODE_STATEDIR=$LAB_TMP/nodestate CTVERIFY_STATEDIR=$LAB_TMP/ctstate
OUT=$LAB_TMP/out; mkdir -p "$OUT"
ctnode() { lab_exec node "$CTNODE" "$@"; }
ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }
printf '1 0.0.0.0/0\n1 ::/0\n2 198.19.0.0/16\n' >"$CONF/networks_classes"
printf '101 veth veth101\n102 ip 198.18.20.102\n' >"$CONF/containers"

prom_ok() { # WHAT FILE
	check "$1: strict text format" awk -f "$PROMTEXT" "$2"
	if command -v promtool >/dev/null; then
		check "$1: promtool check metrics" bash -c "promtool check metrics <'$2'"
	else
		e2e_skip_part "promtool is not installed: $1 not checked by promtool"
	fi
}

must "ctnode setup" ctnode setup
must "ctverify rules install" ctv rules install -f "$top_srcdir/rules/web-hosting.rules"
lab_listing_check node
lab_listing_check ct101
must "ctnode snapshot (baseline)" ctnode snapshot
must "ctverify snapshot (baseline)" ctv snapshot
check "web download from ct101" lab_tcp remote ct101 "$LAB_CT101_4" 80 1000 200000
check "loopback in ct101" lab_tcp ct101 ct101 127.0.0.1 7000 30000
must "ctnode snapshot" ctnode snapshot
must "ctverify snapshot" ctv snapshot

# ---- container side ------------------------------------------------------
# Counters only grow, and neighbour discovery may add a packet between two
# reads: the metrics must lie between a 'rules show' before and one after.
ctv rules show --format json >"$OUT/show0"
ctv metrics >"$OUT/cm"
assert_eq "$?" 0 "ctverify metrics exits 0"
ctv rules show --format json >"$OUT/show"
prom_ok "ctverify metrics" "$OUT/cm"
val() { # FILE NAME SERVICE DIRECTION
	awk -v m="$2{service=\"$3\",direction=\"$4\"}" '$1 == m { print $2; f = 1 } END { if (!f) print "missing" }' "$1"
}
for s in local web other; do
	for d in in out; do
		v=$(val "$OUT/cm" ctverify_bytes_total $s $d)
		assert_ge "$v" "$(jq ".[] | select(.name == \"$s\") | .${d}_bytes" "$OUT/show0")" \
			"ctverify_bytes_total $s $d at least rules show before"
		assert_le "$v" "$(jq ".[] | select(.name == \"$s\") | .${d}_bytes" "$OUT/show")" \
			"ctverify_bytes_total $s $d at most rules show after"
	done
done
assert_ge "$(val "$OUT/cm" ctverify_bytes_total web out)" 200000 "the web download is in web's out bytes"
assert_eq "$(grep -c '^ctverify_bytes_total{' "$OUT/cm")" "$(jq 'length * 2' "$OUT/show")" \
	"one series per bucket and direction"
ts=$(awk '$1 == "ctverify_last_snapshot_timestamp_seconds" { print int($2) }' "$OUT/cm")
assert_near "$ts" "$(date +%s)" 60 "ctverify_last_snapshot_timestamp_seconds is the last snapshot's time"
assert_eq "$(awk '$1 == "ctverify_gap_events_total" { print $2 }' "$OUT/cm")" 0 "no gap yet"

must "delete ctverify's table in ct101" lab_exec ct101 nft delete table inet ctverify
ctv snapshot >/dev/null 2>&1
ctv metrics >"$OUT/cm2"
assert_eq "$(awk '$1 == "ctverify_gap_events_total" { print $2 }' "$OUT/cm2")" 1 \
	"the snapshot that put our rules back recorded one gap, and metrics count it"

# ---- node side -----------------------------------------------------------
ctnode stat --format json >"$OUT/stat0"
ctnode metrics >"$OUT/nm"
assert_eq "$?" 0 "ctnode metrics exits 0"
ctnode stat --format json >"$OUT/stat"
prom_ok "ctnode metrics" "$OUT/nm"
m=$(awk -F'[{} ]' '/^ctnode_bytes_total\{ct="101",class="1",direction="in"/ { s += $NF } END { print s }' "$OUT/nm")
q='[.[] | select(.ct == "101" and .class == 1) | .in_bytes] | add'
assert_ge "$m" "$(jq "$q" "$OUT/stat0")" "ctnode metrics (ct101 class 1 in bytes) at least stat before"
assert_le "$m" "$(jq "$q" "$OUT/stat")" "ctnode metrics (ct101 class 1 in bytes) at most stat after"
ts=$(awk '$1 == "ctnode_last_snapshot_timestamp_seconds" { print int($2) }' "$OUT/nm")
assert_near "$ts" "$(date +%s)" 60 "ctnode_last_snapshot_timestamp_seconds is the last snapshot's time"
assert_eq "$(awk '$1 == "ctnode_gap_events_total" { print $2 }' "$OUT/nm")" 0 "the node recorded no gap"
ctnode metrics --db "$LAB_TMP/none.db" >"$OUT/nm0"
assert_eq "$?" 0 "ctnode metrics without a store exits 0"
assert_empty "$(grep -E 'last_snapshot|gap_events' "$OUT/nm0")" "without a store, no store figures"

# ---- --textfile ----------------------------------------------------------
TF=$LAB_TMP/textfile; mkdir -p "$TF"
check "ctnode metrics --textfile" ctnode metrics --textfile "$TF"
check "ctverify metrics --textfile" ctv metrics --textfile "$TF"
assert_eq "$(cd "$TF" && ls | tr '\n' ' ')" "ctnode.prom ctverify.prom " "the two files, no temporary file left"
prom_ok "ctnode.prom" "$TF/ctnode.prom"
prom_ok "ctverify.prom" "$TF/ctverify.prom"
assert_eq "$(grep -c '^ctnode_bytes_total{' "$TF/ctnode.prom")" "$(grep -c '^ctnode_bytes_total{' "$OUT/nm")" \
	"ctnode.prom has what ctnode metrics prints"
ino=$(stat -c %i "$TF/ctnode.prom")
check "ctnode metrics --textfile again" ctnode metrics --textfile "$TF"
check "the file is replaced by a rename (a new inode), never rewritten in place" \
	test "$(stat -c %i "$TF/ctnode.prom")" != "$ino"
cp "$TF/ctnode.prom" "$OUT/before"
chmod 0555 "$TF"
# Root ignores permissions: a read-only bind mount makes the directory
# really unwritable for this one command.
lab_exec node unshare --mount sh -c "mount --bind -o ro '$TF' '$TF' && exec '$CTNODE' metrics --textfile '$TF'" \
	>/dev/null 2>"$OUT/tf.err"
assert_eq "$?" 1 "an unwritable textfile directory is an error (exit 1)"
check "the error names the temporary file" grep -q "$TF/ctnode.prom.tmp" "$OUT/tf.err"
check "the old file is left as it was" cmp -s "$TF/ctnode.prom" "$OUT/before"
chmod 0755 "$TF"
lab_exec node "$CTNODE" metrics --textfile "$LAB_TMP/nowhere" 2>"$OUT/tf.err2"
assert_eq "$?" 1 "a missing textfile directory is an error (exit 1)"
ctv metrics --frob >/dev/null 2>&1
assert_eq "$?" 2 "an unknown option is a usage error"
e2e_done
