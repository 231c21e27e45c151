#!/usr/bin/env bash
# ctnode pva against the independent truth: a Virtuozzo-agent-shaped
# database with a known schedule of minute rows (a month boundary, a year
# boundary, both DST changes, TZ=Europe/Berlin) is reported by ctnode and by
# the reference SQL query run through the sqlite3 CLI; they must agree row
# for row. Then: a writer holding a write transaction, and a writer
# inserting in a loop, are neither blocked nor make our reads fail; the
# file is byte for byte unchanged by our reads. Needs no root.
. "$(dirname "$0")/common.sh"
command -v sqlite3 >/dev/null || e2e_skip "needs the sqlite3 CLI (scripts/deps.sh installs it)"
command -v jq >/dev/null || e2e_skip "needs jq"

export TZ=Europe/Berlin
EID=3f1a0c1e-8d3b-4b7e-9a55-1a2b3c4d5e6f
dir=$(mktemp -d /tmp/ctv-pva-e2e.XXXXXX)
trap 'exec 3>&- 2>/dev/null; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; e2e_cleanup' EXIT
db=$dir/VZAgentDB.sqldb

at() { date -d "$1" +%s; }

# The agent's tables; the index is there because a real agent would have one.
must "the agent's tables" sqlite3 "$db" <<EOF
CREATE TABLE log_def(id INTEGER PRIMARY KEY, eid TEXT, lclass TEXT, instance TEXT, counter TEXT);
CREATE TABLE log_data(defid INTEGER, startTime INTEGER, avg INTEGER);
CREATE INDEX log_data_def_time ON log_data(defid, startTime);
INSERT INTO log_def VALUES
 (1, '$EID', 'counters_vz_net', '', 'counter_net_incoming_bytes'),
 (2, '$EID', 'counters_vz_net', '', 'counter_net_outgoing_bytes'),
 (3, '$EID', 'counters_vz_net', '1', 'counter_net_incoming_bytes'),
 (4, 'another-eid', 'counters_vz_net', '', 'counter_net_incoming_bytes'),
 (5, '$EID', 'counters_vz_cpu', '', 'counter_net_incoming_bytes'),
 (6, '$EID', 'counters_vz_net', '', 'counter_net_incoming_packets'),
 (7, 'another-eid', 'counters_vz_net', '', 'counter_net_outgoing_bytes');
EOF

# minutes FROM TO: one row per minute and counter in [FROM, TO) local time.
# Outgoing misses every 13th minute, so some periods lack one counter.
minutes() {
	local a b
	a=$(at "$1")
	b=$(at "$2")
	sqlite3 "$db" <<EOF
BEGIN;
WITH RECURSIVE m(t) AS (SELECT $a UNION ALL SELECT t + 60 FROM m WHERE t + 60 < $b)
INSERT INTO log_data SELECT 1, t, (t / 60 * 7919) % 100003 FROM m;
WITH RECURSIVE m(t) AS (SELECT $a UNION ALL SELECT t + 60 FROM m WHERE t + 60 < $b)
INSERT INTO log_data SELECT 2, t, (t / 60 * 104729) % 1000003 FROM m WHERE (t / 60) % 13 != 0;
WITH RECURSIVE m(t) AS (SELECT $a UNION ALL SELECT t + 300 FROM m WHERE t + 300 < $b)
INSERT INTO log_data SELECT d, t, 99999999 FROM m, (SELECT 3 AS d UNION SELECT 4 UNION SELECT 5 UNION SELECT 6 UNION SELECT 7);
COMMIT;
EOF
}
minutes "2021-03-27 22:00" "2021-03-28 05:00"   # spring forward: 02:00 -> 03:00
minutes "2021-03-31 22:30" "2021-04-01 01:30"   # a month boundary
minutes "2021-10-30 23:00" "2021-10-31 04:00"   # fall back: 02:00-03:00 twice
minutes "2021-11-01 00:00" "2021-12-01 00:00"   # a whole month: several read chunks
minutes "2021-12-31 23:30" "2022-01-01 00:30"   # a year boundary
rows=$(sqlite3 "$db" "SELECT count(*) FROM log_data")
assert_ge "$rows" 100000 "rows in the test database"

# The reference query (ARCHITECTURE.md), with the period format varied,
# pivoted into ctnode's CSV shape: period,eid,in_bytes,out_bytes.
reference() { # STRFTIME-FORMAT
	sqlite3 "$db" "select strftime('$1', datetime(ldat.startTime,'unixepoch','localtime')),
	       ldef.counter, sum(ldat.avg)
	from log_def ldef join log_data ldat on ldat.defid = ldef.id
	where ldef.eid = '$EID' and ldef.lclass = 'counters_vz_net'
	  and ldef.instance = '' and ldef.counter like '%_bytes'
	group by 1, 2;" |
	awk -F'|' -v eid="$EID" '
		!($1 in seen) { seen[$1] = 1; order[n++] = $1; i[$1] = 0; o[$1] = 0 }
		$2 == "counter_net_incoming_bytes" { i[$1] = $3 }
		$2 == "counter_net_outgoing_bytes" { o[$1] = $3 }
		END { for (k = 0; k < n; k++) printf "%s,%s,%s,%s\n", order[k], eid, i[order[k]], o[order[k]] }' |
	LC_ALL=C sort
}

compare_all() { # WHAT
	local by name
	for by in month:%Y-%m day:%Y-%m-%d hour:'%Y-%m-%d %H:00' year:%Y total:total; do
		name=${by%%:*}
		reference "${by#*:}" >"$dir/truth.$name"
		"$CTNODE" pva report --db "$db" --eid "$EID" --by "$name" --format csv >"$dir/ours.$name"
		assert_eq "$?" 0 "pva report --by $name exits 0 ($1)"
		assert_eq "$(head -1 "$dir/ours.$name")" "period,eid,in_bytes,out_bytes" "csv header (--by $name)"
		tail -n +2 "$dir/ours.$name" | LC_ALL=C sort >"$dir/ours.$name.sorted"
		if [ ! -s "$dir/truth.$name" ]; then
			fail "--by $name ($1): the reference query gave no rows to compare with"
		elif cmp -s "$dir/ours.$name.sorted" "$dir/truth.$name"; then
			ok "--by $name ($1): $(wc -l <"$dir/truth.$name") rows equal the reference query's"
		else
			fail "--by $name ($1) differs from the reference query"
			diff "$dir/ours.$name.sorted" "$dir/truth.$name" | head -10 >&2
		fi
	done
}
# Few counters in log_def: ctnode pages through the table by rowid.
compare_all "table by rowid"
# A node with 200 more containers: ctnode reads the EID's rows through the
# (defid, startTime) index instead. Same answers.
sqlite3 "$db" "WITH RECURSIVE c(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM c WHERE i < 499)
	INSERT INTO log_def SELECT i, 'ct' || (i / 2), 'counters_vz_net', '',
	CASE i % 2 WHEN 0 THEN 'counter_net_incoming_bytes' ELSE 'counter_net_outgoing_bytes' END FROM c"
sum_before=$(sha256sum <"$db")
compare_all "index (defid, startTime)"
# The rows the schedule was built for are really there.
grep -q '^2021-10-31 02:00,' "$dir/ours.hour" || fail "no row for the repeated hour"
grep -q '^2021-03-28 02:00,' "$dir/ours.hour" && fail "a row for the hour skipped by DST"
grep -q '^2021-03-28,' "$dir/ours.day" || fail "no row for the 23-hour day"
check "the year boundary splits 2021 and 2022" grep -q '^2022,' "$dir/ours.year"
assert_eq "$(grep -c '^2021-11-' "$dir/ours.day")" 30 "November has 30 day rows"
assert_eq "$(grep -c '^2021-10-31 ' "$dir/ours.hour")" 4 "hour rows on the fall-back night (00, 01, 02 merged, 03)"

# JSON and the table say the same as the CSV.
"$CTNODE" pva report --db "$db" --eid "$EID" --by month --format json >"$dir/ours.json"
assert_eq "$(jq '[.[].in_bytes] | add' "$dir/ours.json")" \
	"$(cut -d, -f3 "$dir/truth.total")" "json in_bytes sum = the reference total"
assert_eq "$(jq -r '.[0] | keys_unsorted | join(",")' "$dir/ours.json")" \
	"period,eid,in_bytes,out_bytes" "json row keys"
"$CTNODE" pva report --db "$db" --eid "$EID" --from 2021-11-01 --to 2021-12-01 >"$dir/ours.table"
check "the table has a totals row" grep -q '^total ' "$dir/ours.table"
check "the table shows human units" grep -Eq '[0-9] [KMG]iB' "$dir/ours.table"
"$CTNODE" pva report --db "$db" --eid "$EID" --by total --from 2021-11-01 --to 2021-12-01 --format csv >"$dir/nov"
assert_eq "$(tail -1 "$dir/nov" | cut -d, -f3)" "$(grep '^2021-11,' "$dir/truth.month" | cut -d, -f3)" \
	"--from/--to select November exactly"

# The statement from the same rows.
"$CTNODE" pva export --db "$db" --eid "$EID" --ct 101 >"$dir/statement.json"
assert_eq "$?" 0 "pva export exits 0"
assert_eq "$(jq -r '.format, .source, .ct' "$dir/statement.json" | paste -sd' ')" \
	"ctverify-statement/1 pva 101" "statement header"
assert_eq "$(jq '.totals.in_bytes' "$dir/statement.json")" "$(cut -d, -f3 "$dir/truth.total")" \
	"statement in_bytes = the reference total"
assert_eq "$(jq '.totals.out_bytes' "$dir/statement.json")" "$(cut -d, -f4 "$dir/truth.total")" \
	"statement out_bytes = the reference total"
assert_eq "$(jq '.intervals | length' "$dir/statement.json")" \
	"$(sqlite3 "$db" "select count(distinct startTime) from log_data where defid in (1, 2)")" \
	"one interval per stored minute"
assert_eq "$(jq '.totals | has("in_packets")' "$dir/statement.json")" false "packets are absent, not 0"
assert_eq "$(jq '[.intervals[] | .end - .start] | max' "$dir/statement.json")" 60 "intervals are one poll long"

# Our reads changed nothing: same bytes, no journal left behind.
assert_eq "$(sha256sum <"$db")" "$sum_before" "the database file is unchanged after our reads"
[ -e "$db-journal" ] && fail "a rollback journal was left behind"

# Wrong inputs are refused with the reason, exit 2.
expect() { # WANT-EXIT PATTERN DESCRIPTION CMD...
	local want=$1 pat=$2 what=$3 rc
	shift 3
	"$@" >"$dir/out" 2>"$dir/err"
	rc=$?
	assert_eq "$rc" "$want" "$what exits $want"
	grep -q -- "$pat" "$dir/err" || fail "$what: stderr lacks '$pat': $(cat "$dir/err")"
}
expect 2 "EID nope not found.*$EID" "an unknown EID" "$CTNODE" pva report --db "$db" --eid nope
cp "$top_srcdir/README.md" "$dir/notadb"
expect 2 "not an SQLite database" "a text file" "$CTNODE" pva report --db "$dir/notadb" --eid "$EID"
sqlite3 "$dir/other.db" "CREATE TABLE log_def(id, eid, lclass, instance, counter)"
expect 2 "no table log_data" "a foreign database" "$CTNODE" pva report --db "$dir/other.db" --eid "$EID"
expect 2 "No such file" "a missing file" "$CTNODE" pva report --db "$dir/absent.db" --eid "$EID"
expect 2 "\-\-eid EID is required" "no --eid" "$CTNODE" pva report --db "$db"
expect 2 "\-\-by: 'week'" "a bad --by" "$CTNODE" pva report --db "$db" --eid "$EID" --by week
[ -e "$dir/absent.db" ] && fail "a missing database was created"

# A writer holding a write transaction (RESERVED lock, rollback journal):
# our read succeeds, does not see its uncommitted row, and the writer's
# COMMIT goes through right after.
total_in() { "$CTNODE" pva report --db "$1" --eid "$EID" --by total --format csv | tail -1 | cut -d, -f3; }
writer_holds() { # DB
	local w=$1 before during after i
	before=$(total_in "$w")
	rm -f "$dir/w.fifo" "$dir/w.out"
	mkfifo "$dir/w.fifo"
	sqlite3 "$w" <"$dir/w.fifo" >"$dir/w.out" 2>&1 &
	exec 3>"$dir/w.fifo"
	echo ".timeout 5000" >&3
	echo "BEGIN IMMEDIATE; INSERT INTO log_data VALUES (1, $(at 2021-11-15), 1000000); SELECT 'inserted';" >&3
	for i in $(seq 50); do grep -q inserted "$dir/w.out" && break; sleep 0.1; done
	check "the writer holds its write transaction" grep -q inserted "$dir/w.out"
	during=$("$CTNODE" pva report --db "$w" --eid "$EID" --by total --format csv | tail -1 | cut -d, -f3)
	assert_eq "$during" "$before" "a read during the write transaction succeeds and sees committed rows only"
	echo "COMMIT; SELECT 'committed';" >&3
	for i in $(seq 50); do grep -q committed "$dir/w.out" && break; sleep 0.1; done
	check "the writer commits right after our read" grep -q committed "$dir/w.out"
	echo ".quit" >&3
	exec 3>&-
	wait
	grep -qi error "$dir/w.out" && fail "the writer saw an error: $(cat "$dir/w.out")"
	after=$(total_in "$w")
	need_int "the total before the write" "$before" && assert_eq "$after" "$((before + 1000000))" "the committed row is read afterwards"
}

# A writer inserting in a loop (one transaction per row, as the agent does
# each minute) while we read again and again: no insert fails, no read fails.
writer_loop() { # DB YEAR
	local w=$1 n=120 base reads=0 good=0 wpid
	base=$(at "$2-01-01")
	(
		for i in $(seq $n); do
			t0=$(date +%s%N)
			sqlite3 -cmd ".timeout 5000" "$w" \
				"INSERT INTO log_data VALUES (2, $((base + i * 60)), 1)" || echo "insert $i failed"
			echo $((($(date +%s%N) - t0) / 1000000)) >>"$dir/loop.ms"
		done
	) >"$dir/loop.out" 2>&1 &
	wpid=$!
	while kill -0 "$wpid" 2>/dev/null; do
		reads=$((reads + 1))
		"$CTNODE" pva report --db "$w" --eid "$EID" --by hour --format csv >/dev/null 2>>"$dir/loop.err" &&
			good=$((good + 1))
	done
	wait "$wpid"
	assert_ge "$reads" 2 "reads while the writer loop ran"
	assert_eq "$good" "$reads" "every read during the writer loop succeeded"
	[ -s "$dir/loop.err" ] && fail "reader errors: $(head -3 "$dir/loop.err")"
	assert_empty "$(cat "$dir/loop.out")" "no insert of the writer loop failed"
	# A bound, not a proof of paging (pva_tests counts the read
	# transactions): no insert, a whole sqlite3 process, waited long.
	slowest=$(sort -n "$dir/loop.ms" | tail -1)
	if [ "$slowest" -lt 2000 ]; then
		ok "the slowest insert took ${slowest} ms"
	else
		fail "an insert took ${slowest} ms: the writer was held up"
	fi
	rm -f "$dir/loop.ms"
	assert_eq "$(sqlite3 "$w" "select count(*) from log_data where startTime >= $base")" "$n" \
		"all the writer's rows are there"
	rm -f "$dir/loop.err"
}

writer_holds "$db"
writer_loop "$db" 2023

# An agent holding an EXCLUSIVE lock for longer than our 10 s busy timeout
# (rollback journal: readers must wait) makes us give up cleanly: exit 1,
# "database is locked", nothing half-printed, and the agent unaffected.
rm -f "$dir/w.fifo" "$dir/w.out"
mkfifo "$dir/w.fifo"
sqlite3 "$db" <"$dir/w.fifo" >"$dir/w.out" 2>&1 &
exec 3>"$dir/w.fifo"
echo "BEGIN EXCLUSIVE; INSERT INTO log_data VALUES (1, $(at 2020-06-01), 1); SELECT 'locked';" >&3
for i in $(seq 50); do grep -q locked "$dir/w.out" && break; sleep 0.1; done
t0=$(date +%s)
"$CTNODE" pva report --db "$db" --eid "$EID" --format csv >"$dir/out" 2>"$dir/err"
rc=$?
assert_eq "$rc" 1 "a read that waited out the busy timeout exits 1"
grep -q "database is locked" "$dir/err" || fail "no 'database is locked' message: $(cat "$dir/err")"
assert_eq "$(wc -c <"$dir/out")" 0 "nothing printed on stdout when the read failed"
assert_ge "$(($(date +%s) - t0))" 9 "we waited for the busy timeout before giving up"
echo "COMMIT; SELECT 'committed';" >&3
echo ".quit" >&3
exec 3>&-
wait
check "the agent's transaction commits after we gave up" grep -q committed "$dir/w.out"

# The same with the database in WAL mode, as an agent may keep it.
cp "$db" "$dir/wal.db"
assert_eq "$(sqlite3 "$dir/wal.db" "PRAGMA journal_mode=WAL")" wal "the copy is in WAL mode"
writer_holds "$dir/wal.db"
writer_loop "$dir/wal.db" 2024
sqlite3 "$dir/wal.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
sum_wal=$(sha256sum <"$dir/wal.db")
"$CTNODE" pva report --db "$dir/wal.db" --eid "$EID" --by day --format csv >/dev/null
assert_eq "$(sha256sum <"$dir/wal.db")" "$sum_wal" "a WAL database file is unchanged after our reads"
assert_eq "$(sqlite3 "$dir/wal.db" "PRAGMA journal_mode")" wal "we left the journal mode alone"

e2e_done
