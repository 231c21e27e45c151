#!/usr/bin/env bash
# ctnode pva report on a year of minute rows vs the reference query run by
# the sqlite3 CLI on the same file (the baseline), same run, same machine.
#   bench/pva_bench.sh [BUILDDIR]     (default: build/)
# Prints the median of 5 runs of each and their ratio.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
export TZ=Europe/Berlin
dir=$(mktemp -d /tmp/ctv-pva-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
db=$dir/VZAgentDB.sqldb
E=bench-eid
a=$(date -d 2021-01-01 +%s)
b=$(date -d 2022-01-01 +%s)
# Two containers, a year of minutes each, both counters: 2.1 million rows.
sqlite3 "$db" <<SQL
CREATE TABLE log_def(id INTEGER PRIMARY KEY, eid TEXT, lclass TEXT, instance TEXT, counter TEXT);
CREATE TABLE log_data(defid INTEGER, startTime INTEGER, avg INTEGER);
INSERT INTO log_def VALUES (1,'$E','counters_vz_net','','counter_net_incoming_bytes'),
 (2,'$E','counters_vz_net','','counter_net_outgoing_bytes'),
 (3,'other','counters_vz_net','','counter_net_incoming_bytes'),
 (4,'other','counters_vz_net','','counter_net_outgoing_bytes');
WITH RECURSIVE m(t) AS (SELECT $a UNION ALL SELECT t + 60 FROM m WHERE t + 60 < $b)
INSERT INTO log_data SELECT d, t, (t / 60 * 7919 + d) % 100003 FROM m, (SELECT 1 AS d UNION SELECT 2 UNION SELECT 3 UNION SELECT 4);
CREATE INDEX log_data_def_time ON log_data(defid, startTime);
SQL
q="select strftime('%Y-%m', datetime(ldat.startTime,'unixepoch','localtime')), ldef.counter, sum(ldat.avg)
from log_def ldef join log_data ldat on ldat.defid = ldef.id
where ldef.eid = '$E' and ldef.lclass = 'counters_vz_net' and ldef.instance = '' and ldef.counter like '%_bytes'
group by 1, 2;"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
median() { sort -n | sed -n 3p; }
ours=$(for i in 1 2 3 4 5; do ms "$build/node-side/ctnode" pva report --db "$db" --eid "$E" --by month --format csv; done | median)
ref=$(for i in 1 2 3 4 5; do ms sqlite3 "$db" "$q"; done | median)
echo "rows: $(sqlite3 "$db" 'select count(*) from log_data'), file: $(du -m "$db" | cut -f1) MB"
echo "ctnode pva report --by month: ${ours} ms; reference query (sqlite3 CLI): ${ref} ms; ratio ours/reference: $(awk -v a="$ours" -v b="$ref" 'BEGIN { printf "%.2f", a / b }')"
