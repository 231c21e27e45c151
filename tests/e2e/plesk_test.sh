#!/usr/bin/env bash
# ctverify reconcile --plesk FILE (issue 10, case 6): Plesk's DomainsTraffic
# rows explained column by column. ct101 runs web, mail (SMTP and IMAP),
# submission, FTP and SSH services; netpipe carries known payloads to each
# (its own byte count is the truth: lab_tcp fails unless every byte
# arrives). Plesk rows built from those payloads (as its statistics utility
# would write them from the logs) are reconciled with the container's store
# over the rows' day: every column is compared with the services that
# carry it, the rest is log_overhead (TCP/IP headers) and, for mail
# submitted on 587 that Plesk counts once, mail_submission; counted mail
# is never "unlogged"; SSH is. With and without the header line; the
# container's per-column bytes equal the nft counters (nft -j); bad files
# are exit 2 naming FILE:LINE; --plesk BYTES is still the HTTP figure.
# The traffic is counted once by the nft backend, once by legacy iptables.
. "$(dirname "$0")/common.sh"
e2e_require_root nft iptables-legacy-save ip6tables-legacy-save
. "$top_srcdir/tests/lab/lab.sh"

export TZ=UTC
lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
# Both programs' default stores, under the run's directory.
export CTNODE_CONFDIR=$LAB_TMP/conf CTNODE_STATEDIR=$LAB_TMP/node CTVERIFY_STATEDIR=$LAB_TMP/ct101
OUT=$LAB_TMP
mkdir -p "$CTNODE_CONFDIR"
ctnode() { lab_exec node "$CTNODE" "$@"; }
ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }

printf '1 0.0.0.0/0\n1 ::/0\n' >"$CTNODE_CONFDIR/networks_classes"
lab_containers_file "$CTNODE_CONFDIR/containers"
check "ctnode setup" ctnode setup
lab_listing_check node

RULES=$LAB_TMP/plesk.rules
cat >"$RULES" <<'RULES'
service web        proto=tcp lport=80,443
service mail       proto=tcp lport=25,143
service submission proto=tcp lport=587
service ftp        proto=tcp lport=21
service ssh        proto=tcp lport=22
RULES
check "ctverify rules install in ct101" ctv rules install -f "$RULES"
lab_listing_check ct101

# traffic: snapshots around known payloads to each service, then the
# node's statement. The node's statement has whole seconds: its window
# must hold the container's interval with a second to spare on each side.
# tcp_retrans: segments retransmitted by ct101 and remote (their own
# /proc/net/snmp). On a loaded machine the per-CPU backlog shared by all
# namespaces can drop a packet: its retransmission is counted by the
# container again and logged once.
tcp_retrans() {
	local r t=0 n
	for r in ct101 remote; do
		n=$(lab_exec "$r" awk '$1 == "Tcp:" { if (!c) { for (i = 2; i <= NF; i++) if ($i == "RetransSegs") c = i }
			else print $c }' /proc/net/snmp)
		t=$((t + n))
	done
	echo "$t"
}
traffic() {
	local r0
	r0=$(tcp_retrans)
	check "node baseline snapshot" ctnode snapshot
	sleep 1.1
	check "container baseline snapshot" ctv snapshot
	DAY=$(date +%F)
	check "web: 20000 B of requests, 500000 B of pages" lab_tcp remote ct101 "$LAB_CT101_4" 80 20000 500000
	check "SMTP: 300000 B of mail delivered" lab_tcp remote ct101 "$LAB_CT101_4" 25 300000 1000
	check "IMAP: 200000 B of mail fetched" lab_tcp remote ct101 "$LAB_CT101_4" 143 2000 200000
	check "submission: 40000 B submitted on 587" lab_tcp remote ct101 "$LAB_CT101_4" 587 40000 500
	check "FTP: 30000 B up, 60000 B down" lab_tcp remote ct101 "$LAB_CT101_4" 21 30000 60000
	check "SSH: 50000 B each way" lab_tcp remote ct101 "$LAB_CT101_4" 22 50000 50000
	check "container snapshot" ctv snapshot
	RETRANS=$(( $(tcp_retrans) - r0 ))
	# What the header model cannot hold: per retransmitted segment at most
	# an MSS of payload again, its headers, and SACK options on the ACKs.
	SLACK=$((RETRANS * 1600))
	[ "$RETRANS" = 0 ] || echo "# $RETRANS TCP segments retransmitted: the payload checks allow $SLACK B more" >&2
	sleep 1.1
	check "node snapshot" ctnode snapshot
	[ "$(date +%F)" = "$DAY" ] || e2e_skip_part "the day changed during the traffic: the rows' day no longer holds it all"
	ctnode export --ct 101 >"$OUT/statement.json" 2>"$OUT/export.err"
	assert_eq "$?" 0 "ctnode export --ct 101"
}
traffic
NFTJ=$(lab_nft_json ct101);

rec() { # ARGS...: reconcile as JSON into $OUT/rec.json, exit code in REC_RC
	ctv reconcile --node "$OUT/statement.json" --format json "$@" \
		>"$OUT/rec.json" 2>"$OUT/rec.err"
	REC_RC=$?
}
pcause() { # CAUSE TEXT: bytes (in + out) of Plesk-comparison causes CAUSE whose detail has TEXT
	jq -r --arg c "$1" --arg t "$2" '[.causes[] | select(.versus == "container-plesk" and
		.cause == $c and (.detail | contains($t))) | .in_bytes + .out_bytes] | add // 0' "$OUT/rec.json"
}
col() { # COLUMN FIELD: a field of .plesk.columns[] for that column
	jq -r --arg c "$1" --arg f "$2" '.plesk.columns[] | select(.column == $c) | .[$f]' "$OUT/rec.json"
}
nftsum() { # WORD: bytes of our nft counters whose name holds WORD (in and out)
	jq -r --arg w "$1" '[.nftables[] | select(.counter and (.counter.name | contains($w))) |
		.counter.bytes] | add // 0' <<<"$NFTJ"
}
HDR=$'dom_id\tdate\thttp_in\thttp_out\tftp_in\tftp_out\tsmtp_in\tsmtp_out\tpop3_imap_in\tpop3_imap_out'
# Two domains on the day; domain 2's mail and pages sum with domain 1's.
# smtp_in counts the submitted message too (maillog logs it received).
{
	echo "$HDR"
	printf '1\t%s\t15000\t400000\t30000\t60000\t300000\t1000\t2000\t150000\n' "$DAY"
	printf '2\t%s\t5000\t100000\t0\t0\t40000\t500\t0\t50000\n' "$DAY"
} >"$OUT/plesk-header.tsv"

rec --plesk "$OUT/plesk-header.tsv"
assert_eq "$REC_RC" 0 "with the header line: exit follows the node verdict (consistent)"
assert_empty "$(cat "$OUT/rec.err")" "no error or warning"
assert_eq "$(jq -r .plesk.figure "$OUT/rec.json")" plesk "the figure is Plesk's"
assert_eq "$(jq -r .plesk.bytes "$OUT/rec.json")" 1153500 "Plesk's figure is the sum of all columns of both rows"
assert_eq "$(jq -r .plesk.window.first_day "$OUT/rec.json")" "$DAY" "the window is the rows' day"
assert_eq "$(jq -r .plesk.window.rows "$OUT/rec.json")" 2 "two rows"
assert_eq "$(jq -r .plesk.window.domains "$OUT/rec.json")" 2 "two domains"
jq -e '.plesk.window.detail | contains("the Plesk rows'"'"' days") and contains("local time")' \
	"$OUT/rec.json" >/dev/null && ok "the window says it is the rows' days in local time" ||
	fail "window detail: $(jq -c .plesk.window "$OUT/rec.json")"
assert_eq "$(col smtp compared_as)" "smtp+pop3_imap" "the mail service joins smtp and pop3_imap"
assert_eq "$(col http compared_as)" "http" "http on its own"
assert_eq "$(col ftp compared_as)" "ftp" "ftp on its own"
# The container's figures per column are the kernel's (nft -j), since the
# baseline snapshot came right after install.
assert_eq "$(( $(col http container_in_bytes) + $(col http container_out_bytes) ))" "$(nftsum web)" \
	"http: the container's bytes = the web counters (nft -j)"
assert_eq "$(( $(col ftp container_in_bytes) + $(col ftp container_out_bytes) ))" "$(nftsum ftp)" \
	"ftp: the container's bytes = the ftp counters (nft -j)"
assert_eq "$(( $(col smtp container_in_bytes) + $(col smtp container_out_bytes) ))" \
	"$(( $(nftsum mail) + $(nftsum submission) ))" "smtp+pop3_imap: = the mail and submission counters (nft -j)"
# What each group counted beyond the payloads is its TCP/IP headers.
overheads() { # WHAT
	local g pay c d
	for g in http ftp smtp+pop3_imap; do
		case $g in http) pay=520000 ;; ftp) pay=90000 ;; *) pay=543500 ;; esac
		c=$(col "${g%%+*}" container_in_bytes); d=$(col "${g%%+*}" container_out_bytes)
		need_int "$1: $g container bytes" "$c" "$d" || continue
		assert_near "$(pcause log_overhead "$g: ")" "$((c + d - pay))" $((200 + SLACK)) \
			"$1: $g: log_overhead = the container's bytes less the payloads netpipe counted"
	done
}
overheads nft
# The header model is 52 B a packet; what TCP sends beyond it (8 B more
# options on each SYN, 12-36 B of SACK blocks on an ACK after packets
# came out of order: 120 B in one distcheck run without a retransmission)
# is all a mail_submission may take here: the mail group's bytes less the
# payloads and log_overhead, tens of bytes, where a message counted twice
# would be 40,000.
mail_excess=$(( $(col smtp container_in_bytes) + $(col smtp container_out_bytes) - 543500 - $(pcause log_overhead "smtp+pop3_imap: ") ))
assert_le "$(pcause mail_submission "")" "$mail_excess" "Plesk counted the submitted mail: mail_submission takes at most the bytes beyond the header model ($mail_excess)"
assert_le "$mail_excess" $((1000 + SLACK)) "what TCP sent beyond the header model on the mail ports is options, not a message"
assert_eq "$(jq '[.causes[] | select(.versus == "container-plesk" and .cause == "weblog_unlogged" and
	(.detail | test("'"'"'(mail|submission|web|ftp)'"'"'")))] | length' "$OUT/rec.json")" 0 \
	"counted web, mail and FTP are never called unlogged"
assert_ge "$(pcause weblog_unlogged "'ssh'")" 100000 "SSH, which no Plesk column counts, is unlogged"
assert_eq "$(jq -r .plesk.verdict "$OUT/rec.json")" consistent "plesk verdict consistent"
assert_le "$(jq -r '.plesk.unexplained_bytes | if . < 0 then -. else . end' "$OUT/rec.json")" 8192 \
	"what is left is within the tolerance"

# Without the header line, and with the submitted message counted once
# (smtp_out, after the relay Plesk saw): the container counted it on 587
# as well, which mail_submission explains.
{
	printf '1\t%s\t20000\t500000\t30000\t60000\t300000\t1500\t2000\t200000\n' "$DAY"
} >"$OUT/plesk-noheader.tsv"
rec --plesk "$OUT/plesk-noheader.tsv"
assert_eq "$REC_RC" 0 "without the header line: exit 0"
assert_eq "$(jq -r .plesk.bytes "$OUT/rec.json")" 1113500 "the row's columns summed"
assert_near "$(pcause mail_submission "smtp+pop3_imap: ")" 40000 $((1000 + SLACK)) \
	"mail_submission: the 40000 B submitted on 587 that Plesk counts once"
assert_eq "$(jq -r .plesk.verdict "$OUT/rec.json")" consistent "plesk verdict consistent"
out=$(ctv reconcile --node "$OUT/statement.json" --plesk "$OUT/plesk-noheader.tsv")
printf '%s\n' "$out"
case $out in *"window: the Plesk rows' days, $DAY to $DAY in local time"*"smtp+pop3_imap"*"'mail' (lport 25,143: smtp, pop3_imap)"*log_overhead*mail_submission*) ok "the table names the window, each column group and its causes";; *) fail "table: $out";; esac

# The same traffic counted by the legacy iptables backend, into fresh
# stores: the Plesk comparison reads the store, whichever backend filled
# it. Ground truth: iptables-legacy-save -c's counters of our rules.
check "rules remove (nft)" ctv rules remove
export CTVERIFY_STATEDIR=$LAB_TMP/ct101-ipt CTNODE_STATEDIR=$LAB_TMP/node-ipt
check "ctverify rules install --backend iptables in ct101" ctv rules install --backend iptables -f "$RULES"
lab_listing_check ct101
traffic
SAVEC=$({ lab_ipt_save ct101; lab_ip6t_save ct101; })
iptsum() { # SERVICE: bytes of our counting rules for it, both directions and families
	awk -v c="ctverify:$1" '
		$2 == "-A" && $3 ~ /^CTV-C[IO][0-9]+$/ && index($0, "--comment " c " ") + index($0, "--comment \"" c "\"") {
			split(substr($1, 2, length($1) - 2), pb, ":"); t += pb[2]; n++ }
		END { if (n) print t; else print "no counting rule" }' <<<"$SAVEC"
}
rec --plesk "$OUT/plesk-header.tsv"
assert_eq "$REC_RC" 0 "iptables backend: exit 0"
assert_eq "$(( $(col http container_in_bytes) + $(col http container_out_bytes) ))" "$(iptsum web)" \
	"iptables backend: http = the web rules' counters (iptables-legacy-save -c)"
assert_eq "$(( $(col smtp container_in_bytes) + $(col smtp container_out_bytes) ))" \
	"$(( $(iptsum mail) + $(iptsum submission) ))" "iptables backend: smtp+pop3_imap = the mail and submission rules' counters"
overheads iptables
assert_eq "$(jq '[.causes[] | select(.versus == "container-plesk" and .cause == "weblog_unlogged" and
	(.detail | test("'"'"'(mail|submission|web|ftp)'"'"'")))] | length' "$OUT/rec.json")" 0 \
	"iptables backend: counted web, mail and FTP are never called unlogged"
assert_eq "$(jq -r .plesk.verdict "$OUT/rec.json")" consistent "iptables backend: plesk verdict consistent"

# A plain number stays the panel's HTTP figure.
rec --plesk 520000
assert_eq "$(jq -r .plesk.bytes "$OUT/rec.json")" 520000 "--plesk BYTES: the figure as given"
assert_eq "$(jq -r '.plesk.columns // "none"' "$OUT/rec.json")" none "--plesk BYTES: no columns"

# Bad files: exit 2, FILE:LINE, nothing else printed.
bad() { # NAME TEXT MESSAGE
	printf '%b' "$2" >"$OUT/$1.tsv"
	ctv reconcile --node "$OUT/statement.json" --plesk "$OUT/$1.tsv" >"$OUT/bad.out" 2>"$OUT/bad.err"
	assert_eq "$?" 2 "$1: exit 2"
	grep -qF -- "$OUT/$1.tsv:$3" "$OUT/bad.err" && ok "$1: the error names FILE:LINE ($(cat "$OUT/bad.err"))" ||
		fail "$1: stderr: $(cat "$OUT/bad.err")"
	assert_empty "$(cat "$OUT/bad.out")" "$1: nothing on standard output"
}
bad columns "$HDR\n1\t$DAY\t1\t2\t3\n" "2: 5 tab-separated columns, expected 10"
bad negative "1\t$DAY\t1\t2\t3\t4\t-5\t6\t7\t8\n" "1: smtp_in '-5' is negative"
bad number "1\t$DAY\t1\t2\t3\t4\t5\t6\t7\t8\n2\t$DAY\t1\t2k\t3\t4\t5\t6\t7\t8\n" "2: http_out '2k' is not a number"
bad date "1\t$DAY\t1\t2\t3\t4\t5\t6\t7\t8\n1\t2026-02-30\t1\t2\t3\t4\t5\t6\t7\t8\n" "2: date '2026-02-30' is not a day"
bad duplicate "1\t$DAY\t1\t2\t3\t4\t5\t6\t7\t8\n1\t$DAY\t1\t2\t3\t4\t5\t6\t7\t8\n" "2: domain 1 on $DAY again"
ctv reconcile --db "$LAB_TMP/none.db" --node "$OUT/statement.json" --plesk "$OUT/missing.tsv" >/dev/null 2>"$OUT/bad.err"
assert_eq "$?" 2 "a missing file: exit 2"
grep -q "missing.tsv" "$OUT/bad.err" && ok "a missing file is named" || fail "stderr: $(cat "$OUT/bad.err")"

e2e_done
