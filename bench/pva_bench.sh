#!/usr/bin/env bash
# ctnode pva report vs the reference query run by the sqlite3 CLI on the
# same file (the baseline), same run, same machine; median of 5 runs each.
#   bench/pva_bench.sh [BUILDDIR]     (default: build/)
# A: a year of minutes, 2 containers, index on (defid, startTime).
# B: a month of minutes, 20 containers, with that index and without any
#    (then ctnode pages through the whole table by rowid).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
export TZ=Europe/Berlin
dir=$(mktemp -d /tmp/ctv-pva-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT

make_db() { # FILE CONTAINERS FROM TO
	local db=$1 n=$2 a b
	a=$(date -d "$3" +%s)
	b=$(date -d "$4" +%s)
	{
		echo "CREATE TABLE log_def(id INTEGER PRIMARY KEY, eid TEXT, lclass TEXT, instance TEXT, counter TEXT);"
		echo "CREATE TABLE log_data(defid INTEGER, startTime INTEGER, avg INTEGER);"
		for c in $(seq 0 $((n - 1))); do
			echo "INSERT INTO log_def VALUES ($((2 * c + 1)),'ct$c','counters_vz_net','','counter_net_incoming_bytes'),"
			echo " ($((2 * c + 2)),'ct$c','counters_vz_net','','counter_net_outgoing_bytes');"
		done
		# The agent writes all containers' rows of a minute together.
		echo "WITH RECURSIVE m(t) AS (SELECT $a UNION ALL SELECT t + 60 FROM m WHERE t + 60 < $b),"
		echo " d(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM d WHERE id < $((2 * n)))"
		echo "INSERT INTO log_data SELECT id, t, (t / 60 * 7919 + id) % 100003 FROM m, d ORDER BY t, id;"
		echo "CREATE INDEX log_data_def_time ON log_data(defid, startTime);"
	} | sqlite3 "$db"
}

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
median() { sort -n | sed -n 3p; }
reference() { # DB EID
	sqlite3 "$1" "select strftime('%Y-%m', datetime(ldat.startTime,'unixepoch','localtime')), ldef.counter, sum(ldat.avg)
from log_def ldef join log_data ldat on ldat.defid = ldef.id
where ldef.eid = '$2' and ldef.lclass = 'counters_vz_net' and ldef.instance = '' and ldef.counter like '%_bytes'
group by 1, 2;"
}
run() { # LABEL DB EID
	local ours ref
	ours=$(for i in 1 2 3 4 5; do ms "$build/node-side/ctnode" pva report --db "$2" --eid "$3" --by month --format csv; done | median)
	ref=$(for i in 1 2 3 4 5; do ms reference "$2" "$3"; done | median)
	printf '%s: %s rows, %s MB; ctnode pva report --by month %s ms, reference query %s ms, ratio %s\n' \
		"$1" "$(sqlite3 "$2" 'select count(*) from log_data')" "$(du -m "$2" | cut -f1)" \
		"$ours" "$ref" "$(awk -v a="$ours" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')"
}

make_db "$dir/a.db" 2 2021-01-01 2022-01-01
run "A year, 2 containers, indexed" "$dir/a.db" ct0
rm -f "$dir/a.db"
make_db "$dir/b.db" 20 2021-11-01 2021-12-01
run "B month, 20 containers, indexed" "$dir/b.db" ct7
sqlite3 "$dir/b.db" "DROP INDEX log_data_def_time"
run "B month, 20 containers, no index" "$dir/b.db" ct7
