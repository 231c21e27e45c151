#!/usr/bin/env bash
# The guides cannot rot: every command of a fenced `console` block in
# docs/ADMIN.md, docs/OWNER.md and docs/SUPPORT.md (lines starting with the
# root prompt "# ") runs in the lab, in the namespace named by the
# "<!-- lab: ROLE -->" comment before its block, and must exit 0. Lines
# without the prompt are sample output and are not compared. Other
# comments the guides carry for this test (invisible when rendered):
#   <!-- file: PATH -->   the fenced block after it is written to PATH
#   <!-- test: STEP -->   the test does STEP here (see run_step below):
#                         what a guide leaves to the reader (enable a unit,
#                         wait for traffic, receive the provider's file,
#                         Plesk's rows).
# Paths are mapped into the run's own directory: /etc/ctverify, the shipped
# /usr/share/ctverify/rules, /var/lib/prometheus/node-exporter and
# /var/log/apache2/access.log; commands run in a shared work directory with
# ctverify and ctnode on PATH.
. "$(dirname "$0")/common.sh"
e2e_require_root nft jq awk
. "$top_srcdir/tests/lab/lab.sh"

GUIDES="docs/ADMIN.md docs/OWNER.md docs/SUPPORT.md"
lab_up || { echo "FAIL: lab_up" >&2; exit 1; }
CONF=$LAB_TMP/conf WORK=$LAB_TMP/work BIN=$LAB_TMP/bin OUT=$LAB_TMP/out
mkdir -p "$CONF/rules.d" "$WORK" "$BIN" "$OUT"
ln -s "$CTVERIFY" "$BIN/ctverify"
ln -s "$CTNODE" "$BIN/ctnode"
export CTNODE_CONFDIR=$CONF CTVERIFY_RULES_DIR=$CONF/rules.d \
	CTNODE_STATEDIR=$LAB_TMP/nodestate CTVERIFY_STATEDIR=$LAB_TMP/ctstate
LOG=$LAB_TMP/access.log
mapped() {
	sed -e "s|/etc/ctverify|$CONF|g" -e "s|/usr/share/ctverify/rules|$top_srcdir/rules|g" \
		-e "s|/var/lib/prometheus/node-exporter|$LAB_TMP/textfile|g" \
		-e "s|/var/log/apache2/access.log|$LOG|g"
}

# steps GUIDE -> one step per line, fields separated by a tab:
#   run ROLE COMMAND | file PATH | line TEXT | endfile | test STEP | bad WHY
steps() {
	awk '
	function marker(s) { sub(/^<!-- */, "", s); sub(/ *-->$/, "", s); return s }
	/^<!-- lab: [a-z0-9]+ -->$/ { m = marker($0); sub(/^lab: /, "", m); lab = m; next }
	/^<!-- file: [^ ]+ -->$/ { m = marker($0); sub(/^file: /, "", m); file = m; next }
	/^<!-- test: [a-z-]+ -->$/ { m = marker($0); sub(/^test: /, "", m); print "test\t" m; next }
	mode == "" && /^```console$/ {
		if (lab == "") print "bad\tline " NR ": a console block without <!-- lab: ROLE -->"
		mode = "console"; next
	}
	mode == "" && /^```/ {
		mode = "other"
		if (file != "") { print "file\t" file; mode = "file" }
		next
	}
	mode != "" && /^```$/ {
		if (mode == "file") print "endfile"
		mode = ""; lab = ""; file = ""; next
	}
	mode == "console" && /^# / { print "run\t" lab "\t" substr($0, 3); next }
	mode == "file" { print "line\t" $0 }
	' "$1"
}

NCOLLECT= CCOLLECT= T0=
intervals() { sqlite3 "file:$1?mode=ro" "SELECT count(*) FROM interval" 2>/dev/null || echo 0; }
wait_intervals() { # DB N
	local want=$(( $(intervals "$1") + $2 )) i
	for i in $(seq 1 100); do
		[ "$(intervals "$1")" -ge "$want" ] && return 0
		sleep 0.1
	done
	fail "no new interval in $1 within 10 s"
}
logline() { # HOST SIZE: what the web server would have logged
	printf '%s - - [%s] "GET /f HTTP/1.1" 200 %s "-" "guide"\n' "$1" \
		"$(LC_ALL=C date -u '+%d/%b/%Y:%H:%M:%S +0000')" "$2" >>"$LOG"
}
start_node_collect() {
	[ -n "$NCOLLECT" ] && return 0
	lab_start node "$CTNODE" collect --interval 1 >"$OUT/ncollect" 2>&1
	NCOLLECT=$LAB_PID
	wait_intervals "$CTNODE_STATEDIR/ctnode.db" 2
}

run_step() {
	case $1 in
	firewall) # the container's own firewall counts (ctverify quick reads it)
		must "a counting firewall in ct101" lab_exec ct101 nft -f - <<-'NFT'
		table inet filter {
			chain input { type filter hook input priority 0; counter; }
			chain output { type filter hook output priority 0; counter; }
		}
		NFT
		;;
	node-collect) start_node_collect ;;
	ct-collect) # both collectors, idle edges; statements start here
		start_node_collect
		lab_start ct101 "$CTVERIFY" collect --interval 1 >"$OUT/ccollect" 2>&1
		CCOLLECT=$LAB_PID
		wait_intervals "$CTVERIFY_STATEDIR/ctverify.db" 2
		wait_intervals "$CTNODE_STATEDIR/ctnode.db" 1
		T0=$(date +%s)
		wait_intervals "$CTVERIFY_STATEDIR/ctverify.db" 1
		;;
	traffic) # a small web host's minute: web, mail, the web user, DNS, lo, class 0, a neighbour
		lab_remote_addr 198.19.9.1/32 2>/dev/null
		check "guide traffic: web download" lab_tcp remote ct101 "$LAB_CT101_4" 80 400 1500000 &&
			logline "$LAB_REMOTE4" 1500000
		check "guide traffic: default site" lab_tcp remote ct101 "$LAB_CT101_4" 80 300 50000 &&
			logline "$LAB_CT101_4" 50000
		check "guide traffic: mail" lab_tcp remote ct101 "$LAB_CT101_4" 25 200000 2000
		check "guide traffic: the web user's fetch" env LAB_AS=33 bash -c \
			". '$top_srcdir/tests/lab/lab.sh'; LAB_ID=$LAB_ID LAB_TMP=$LAB_TMP; lab_tcp ct101 remote $LAB_REMOTE4 443 1500 300000"
		check "guide traffic: DNS" lab_udp ct101 remote "$LAB_REMOTE4" 53 20000 300 echo
		check "guide traffic: loopback" lab_tcp ct101 ct101 127.0.0.1 3306 100000 400000
		check "guide traffic: class 0" lab_tcp ct101 remote 198.19.9.1 873 300000 5000
		check "guide traffic: the neighbour" lab_tcp ct101 ct103 "$LAB_CT103_4" 5432 10000 100000
		;;
	stop) # what stopping the units does: SIGTERM records the interval in progress
		[ -n "$CCOLLECT" ] && wait_intervals "$CTVERIFY_STATEDIR/ctverify.db" 2
		[ -n "$NCOLLECT" ] && wait_intervals "$CTNODE_STATEDIR/ctnode.db" 2
		# shellcheck disable=SC2086
		lab_stop $CCOLLECT $NCOLLECT
		NCOLLECT= CCOLLECT=
		;;
	statement) # the provider hands the customer the statement and the classes
		[ -n "$T0" ] || fail "the statement step needs ct-collect before it"
		lab_exec node "$CTNODE" export --ct 101 --from "@$T0" >"$WORK/statement.json" ||
			fail "ctnode export for the guides' statement"
		cp "$CONF/networks_classes" "$WORK/networks_classes"
		;;
	plesk-rows) # what the Plesk server's "plesk db" gives: today's rows for the guide's traffic
		{
			printf 'dom_id\tdate\thttp_in\thttp_out\tftp_in\tftp_out\tsmtp_in\tsmtp_out\tpop3_imap_in\tpop3_imap_out\n'
			printf '1\t%s\t400\t1500000\t0\t0\t200000\t2000\t0\t0\n' "$(date +%F)"
		} >"$WORK/plesk-traffic.tsv"
		;;
	*) fail "unknown test step '$1'" ;;
	esac
}

ran=0
for guide in $GUIDES; do
	[ -f "$top_srcdir/$guide" ] || { fail "$guide is missing"; continue; }
	steps "$top_srcdir/$guide" >"$OUT/steps"
	target=
	while IFS=$'\t' read -r kind a b; do
		case $kind in
		bad) fail "$guide: $a" ;;
		test) run_step "$a" ;;
		file)
			target=$(printf '%s' "$a" | mapped)
			case $target in /*) ;; *) target=$WORK/$target ;; esac
			mkdir -p "$(dirname "$target")"
			: >"$target"
			;;
		line) printf '%s\n' "$a" >>"$target" ;;
		endfile) target= ;;
		run)
			cmd=$(printf '%s' "$b" | mapped)
			ran=$((ran + 1))
			lab_exec "$a" env PATH="$BIN:$PATH" bash -c "cd '$WORK' && $cmd" >"$OUT/cmd" 2>&1
			rc=$?
			# GUIDES_TRANSCRIPT=FILE keeps what every command printed (for
			# writing the guides' sample output from a real run).
			[ -n "${GUIDES_TRANSCRIPT:-}" ] && { echo "# $b"; cat "$OUT/cmd"; } >>"$GUIDES_TRANSCRIPT"
			if [ "$rc" = 0 ]; then
				ok "$guide ($a): # $b"
			else
				fail "$guide ($a): # $b (exit $rc): $(head -c 2000 "$OUT/cmd")"
			fi
			;;
		esac
	done <"$OUT/steps"
done
assert_ge "$ran" 25 "commands of the guides' console blocks run"
e2e_done
