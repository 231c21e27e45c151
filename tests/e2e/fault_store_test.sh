#!/usr/bin/env bash
# Faults of the store (docs/RELIABILITY.md): a damaged database (truncated,
# a page zeroed, another program's SQLite file, not SQLite at all) is
# refused by every command that opens a store, on both sides, with a
# message naming the path, and the file stays byte-identical (sha256sum);
# a second collector on one store is refused while snapshots still run
# beside the first; a new store, its -wal/-shm and the rules state are
# 0600; a symbolic link planted at the store's path is refused, its target
# untouched.
. "$(dirname "$0")/common.sh"
e2e_require_root nft sqlite3 sha256sum
. "$top_srcdir/tests/lab/lab.sh"
. "$top_srcdir/tests/e2e/collect_common.sh"

lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
fault_env

printf 'service web proto=tcp lport=80\n' >"$LAB_TMP/rules"
check "rules install" ctv rules install -f "$LAB_TMP/rules"
lab_listing_check ct101
printf '1 0.0.0.0/0\n1 ::/0\n' >"$CTNODE_CONFDIR/networks_classes"
lab_containers_file "$CTNODE_CONFDIR/containers"
check "ctnode setup" ctn setup
lab_listing_check node

# A store with history, on each side.
GOOD=$LAB_TMP/good.db NGOOD=$LAB_TMP/ngood.db
for i in 1 2 3; do
	check "ctverify snapshot $i" ctv snapshot --db "$GOOD"
	check "ctnode snapshot $i" ctn snapshot --db "$NGOOD"
	lab_tcp remote ct101 "$LAB_CT101_4" 80 3000 9000 >/dev/null
done
check "a statement for reconcile" sh -c "'$CTVERIFY' export --db '$GOOD' >'$LAB_TMP/stmt.json'"
pages=$(sqlite3 "file:$GOOD?mode=ro" 'PRAGMA page_count')
assert_ge "$pages" 6 "the store has pages to damage"

# The damaged files, made from copies of the good stores.
damage() { # SRC NAME: $LAB_TMP/NAME.db, damaged as NAME says
	local f=$LAB_TMP/$2.db
	cp "$1" "$f"
	case $2 in
	*trunc) truncate -s $((4096 * 2 + 100)) "$f" ;;
	*zero2) dd if=/dev/zero of="$f" bs=4096 seek=1 count=1 conv=notrunc status=none ;;
	*zerolast) dd if=/dev/zero of="$f" bs=4096 seek=$(( $(stat -c %s "$f") / 4096 - 1 )) count=1 conv=notrunc status=none ;;
	esac
}
for n in trunc zero2 zerolast; do damage "$GOOD" "$n"; damage "$NGOOD" "n$n"; done
sqlite3 "$LAB_TMP/foreign.db" 'CREATE TABLE t(a); INSERT INTO t VALUES (1)'
cp "$LAB_TMP/foreign.db" "$LAB_TMP/nforeign.db"
head -c 20000 /dev/urandom >"$LAB_TMP/random.db"
cp "$LAB_TMP/random.db" "$LAB_TMP/nrandom.db"

refused() { # WHAT FILE CMD...: exits non-zero within 10 s naming FILE, FILE unchanged
	local what=$1 f=$2 h rc
	shift 2
	h=$(sha256sum <"$f")
	timeout 10 "$@" >/dev/null 2>"$LAB_TMP/err"; rc=$?
	if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
		fail "$what: exit $rc, wanted a refusal ($(head -c 300 "$LAB_TMP/err"))"
	elif grep -qF "$f" "$LAB_TMP/err"; then
		ok "$what: refused naming the file ($(head -1 "$LAB_TMP/err" | sed "s|$LAB_TMP/||"))"
	else
		fail "$what: the message does not name $f: $(cat "$LAB_TMP/err")"
	fi
	assert_eq "$(sha256sum <"$f")" "$h" "$what: the file is byte-identical"
}
CT=$(lab_ns ct101) NODE=$(lab_ns node)
for n in trunc zero2 zerolast foreign random; do
	f=$LAB_TMP/$n.db nf=$LAB_TMP/n$n.db
	for c in snapshot "collect --interval 1" report export "reconcile --node $LAB_TMP/stmt.json"; do
		# shellcheck disable=SC2086
		refused "$n: ctverify ${c%% *}" "$f" ip netns exec "$CT" "$CTVERIFY" $c --db "$f"
	done
	for c in snapshot "collect --interval 1" "report --ct 101" "export --ct 101"; do
		# shellcheck disable=SC2086
		refused "$n: ctnode ${c%% *}" "$nf" ip netns exec "$NODE" "$CTNODE" $c --db "$nf"
	done
done
ctv report --db "$LAB_TMP/zero2.db" 2>&1 | grep -q 'damaged ctverify store' &&
	ok "a zeroed page is called a damaged store" || fail "zeroed page: $(ctv report --db "$LAB_TMP/zero2.db" 2>&1)"
ctv report --db "$LAB_TMP/foreign.db" 2>&1 | grep -q 'no history yet' &&
	fail "a foreign file is called 'no history yet'" || ok "a foreign file is not called 'no history yet'"
check "the good store still reads" ctv report --db "$GOOD"

# Two collectors on one store: the second is refused, on both sides;
# a snapshot beside the first still records.
DB=$LAB_TMP/two.db NDB=$LAB_TMP/ntwo.db
ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$DB" --interval 1 2>"$LAB_TMP/c1.err" &
C1=$!
lab_own "$C1"
ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$NDB" --interval 1 2>"$LAB_TMP/n1.err" &
N1=$!
lab_own "$N1"
must "the first collectors created their stores" lab_wait_file "$DB"
must "the first ctnode collector created its store" lab_wait_file "$NDB"
sleep 1
timeout 10 ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$DB" --interval 1 >/dev/null 2>"$LAB_TMP/c2.err"
assert_eq "$?" 1 "a second ctverify collect on one store exits 1"
grep -q "$DB: another collector is writing this store" "$LAB_TMP/c2.err" &&
	ok "the second ctverify collector says why" || fail "second collector said: $(cat "$LAB_TMP/c2.err")"
timeout 10 ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$NDB" --interval 1 >/dev/null 2>"$LAB_TMP/n2.err"
assert_eq "$?" 1 "a second ctnode collect on one store exits 1"
grep -q "$NDB: another collector is writing this store" "$LAB_TMP/n2.err" &&
	ok "the second ctnode collector says why" || fail "second ctnode collector said: $(cat "$LAB_TMP/n2.err")"
check "ctverify snapshot beside the collector" ctv snapshot --db "$DB"
check "ctnode snapshot beside the collector" ctn snapshot --db "$NDB"
kill -0 "$C1" 2>/dev/null && ok "the first collector runs on" || fail "the first collector ended"
kill -TERM "$C1" "$N1"
wait "$C1"; assert_eq "$?" 0 "the first ctverify collector exits 0"
wait "$N1"; assert_eq "$?" 0 "the first ctnode collector exits 0"
assert_empty "$(cat "$LAB_TMP/c1.err" "$LAB_TMP/n1.err")" "the first collectors printed no error"
# Once the first has stopped, a new collector may start (the lock went with it).
stop_after 3 INT ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$DB" --interval 1 >/dev/null 2>"$LAB_TMP/c3.err"
assert_eq "$?" 0 "a collector after the first one stopped runs (exit 0 on SIGINT)"

# Modes: new stores and their -wal/-shm are 0600 whatever the umask; so
# is the rules state.
( umask 022; ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$LAB_TMP/mode.db" --interval 1 2>/dev/null & p=$!
  lab_wait_file "$LAB_TMP/mode.db-shm"; sleep 1
  stat -c '%a %n' "$LAB_TMP/mode.db" "$LAB_TMP/mode.db-wal" "$LAB_TMP/mode.db-shm" >"$LAB_TMP/modes"; kill -TERM $p; wait $p )
assert_empty "$(awk '$1 != "600"' "$LAB_TMP/modes")" "store, -wal and -shm are 0600 ($(tr '\n' ' ' <"$LAB_TMP/modes" | sed "s|$LAB_TMP/||g"))"
assert_eq "$(wc -l <"$LAB_TMP/modes")" 3 "three files' modes read"
( umask 022; lab_exec node "$CTNODE" snapshot --db "$LAB_TMP/nmode.db" >/dev/null )
assert_eq "$(stat -c %a "$LAB_TMP/nmode.db")" 600 "a new ctnode store is 0600"
assert_eq "$(stat -c %a "$CTVERIFY_STATEDIR/installed.rules")" 600 "the rules state is 0600"

# A symbolic link planted where the store goes is refused, its target
# untouched; the same for a link to a store.
echo "precious" >"$LAB_TMP/target"
mkdir -p "$LAB_TMP/planted"
ln -s "$LAB_TMP/target" "$LAB_TMP/planted/ctverify.db"
h=$(sha256sum <"$LAB_TMP/target")
CTVERIFY_STATEDIR=$LAB_TMP/planted lab_exec ct101 "$CTVERIFY" snapshot 2>"$LAB_TMP/ln.err" >/dev/null
assert_eq "$?" 1 "snapshot into a planted symbolic link exits 1"
grep -q "planted/ctverify.db: a symbolic link; refusing to follow it" "$LAB_TMP/ln.err" &&
	ok "the planted link is named and refused" || fail "planted link: $(cat "$LAB_TMP/ln.err")"
assert_eq "$(sha256sum <"$LAB_TMP/target")" "$h" "the link's target is byte-identical"
ln -s "$GOOD" "$LAB_TMP/planted/ctnode.db"
h=$(sha256sum <"$GOOD")
CTNODE_STATEDIR=$LAB_TMP/planted lab_exec node "$CTNODE" snapshot >/dev/null 2>"$LAB_TMP/ln.err"
assert_eq "$?" 1 "ctnode snapshot into a planted link to a store exits 1"
grep -q "a symbolic link; refusing to follow it" "$LAB_TMP/ln.err" &&
	ok "ctnode names the planted link" || fail "ctnode planted link: $(cat "$LAB_TMP/ln.err")"
assert_eq "$(sha256sum <"$GOOD")" "$h" "the store behind the link is byte-identical"

e2e_done
