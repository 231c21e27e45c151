#!/usr/bin/env bash
# Installs dependencies, builds, and runs the lab demo: a node, containers,
# traffic, reports and a reconcile that explains the numbers. Everything
# runs in network namespaces made for this run and removed at the end.
set -eu
cd "$(dirname "$0")"
# CTV_DEMO_BUILDDIR: an existing build to use as it is (tests/e2e/demo_test.sh).
if [ -n "${CTV_DEMO_BUILDDIR:-}" ]; then
	dir=$CTV_DEMO_BUILDDIR
else
	scripts/deps.sh
	dir=$(scripts/build.sh build)
fi
export top_srcdir=$PWD top_builddir=$dir
NETPIPE=$dir/tests/lab/netpipe
CTVERIFY=$dir/ctverify/ctverify
CTNODE=$dir/node-side/ctnode
. tests/lab/lab.sh

echo "== Bringing up the lab (remote - router - node - ct101/ct102/ct103)"
lab_up
echo "   namespaces: $(ip netns list | awk '{print $1}' | grep "^ctv$LAB_ID-" | tr '\n' ' ')"

# Our programs run only inside the lab's namespaces, with their files here.
CONF=$LAB_TMP/conf
mkdir -p "$CONF"
export CTNODE_CONFDIR=$CONF CTNODE_STATEDIR=$LAB_TMP/node CTVERIFY_STATEDIR=$LAB_TMP/ct101
NDB=$CTNODE_STATEDIR/ctnode.db
CDB=$CTVERIFY_STATEDIR/ctverify.db
ctnode() { lab_exec node "$CTNODE" "$@"; }
ctv() { lab_exec ct101 "$CTVERIFY" "$@"; }
indent() { sed 's/^/   /'; }

echo
echo "== The node: ctnode setup (networks_classes from rules/, three containers)"
cp rules/networks_classes "$CONF/networks_classes"
cat >"$CONF/containers" <<'EOF'
101 veth veth101
102 ip 198.18.20.102,2001:db8:20::102
103 veth veth103
EOF
grep -v '^#' "$CONF/networks_classes" | grep . | sed 's/^/   classes:    /'
sed 's/^/   containers: /' "$CONF/containers"
ctnode setup | indent
# Peers of each class, on remote: class 2 is the lab (198.18.0.0/16), a
# class-1 hole in it, and class 0, the node's own network.
CLASS1=198.18.7.1 CLASS0=198.19.0.1
lab_remote_addr $CLASS1/32 $CLASS0/32

echo
echo "== Container ct101: ctverify rules install (web-hosting profile + the provider's networks + the node's classes)"
cat >"$LAB_TMP/00-provider.rules" <<'EOF'
# What the provider told us: its own network (class 0, not billed) and the
# addresses of our neighbours on the same node.
service node-mgmt   peer=198.19.0.0/24,2001:db8:ff::/48
service neighbours  peer=198.18.10.103/32,2001:db8:10::103/128
EOF
# --classes: the node's classes mirrored in the container, so reconcile can
# compare class by class (the provider publishes networks_classes; a
# statement from ctnode export carries them too).
ctv rules install -f "$LAB_TMP/00-provider.rules" -f rules/web-hosting.rules \
	--classes "$CONF/networks_classes" | indent

echo
echo "== Collecting every second: ctnode collect on the node, ctverify collect in ct101"
ip netns exec "$(lab_ns node)" "$CTNODE" collect --db "$NDB" --interval 1 >"$LAB_TMP/ncollect.log" 2>&1 &
NCOLLECT=$!
ip netns exec "$(lab_ns ct101)" "$CTVERIFY" collect --db "$CDB" --interval 1 >"$LAB_TMP/ccollect.log" 2>&1 &
CCOLLECT=$!
lab_own "$NCOLLECT"; lab_own "$CCOLLECT"
sleep 2.5

rstat() { lab_link_stat router eth1 "$1" bytes; }
r_tx0=$(rstat tx); r_rx0=$(rstat rx)
echo
echo "== Traffic (exact payloads; TCP/IP adds its headers)"
log=$LAB_TMP/access.log
logline() { # HOST PATH SIZE: what the web server would have logged
	printf '%s - - [%s] "GET %s HTTP/1.1" 200 %s "-" "demo"\n' "$1" \
		"$(LC_ALL=C date -u '+%d/%b/%Y:%H:%M:%S +0000')" "$2" "$3" >>"$log"
}
echo "   web:        remote downloads 1.5 MB and 800 KB from ct101:80, 300 KB over :443"
lab_tcp remote ct101 "$LAB_CT101_4" 80 400 1500000 && logline "$LAB_REMOTE4" /video.mp4 1500000
lab_tcp remote ct101 "$LAB_CT101_6" 80 400 800000 && logline "$LAB_REMOTE6" /gallery.zip 800000
lab_tcp remote ct101 "$LAB_CT101_4" 443 600 300000 && logline "$LAB_REMOTE4" /index.html 300000
echo "              plus a 50 KB probe of the default site (by IP, no domain)"
lab_tcp remote ct101 "$LAB_CT101_4" 80 300 50000 && logline "$LAB_CT101_4" / 50000
echo "   mail:       remote delivers 400 KB to ct101:25"
lab_tcp remote ct101 "$LAB_CT101_4" 25 400000 2000
echo "   web user:   PHP (uid www-data) fetches 600 KB from an API over HTTPS"
LAB_AS=33 lab_tcp ct101 remote "$LAB_REMOTE4" 443 1500 600000
echo "   DNS:        30 KB of UDP queries and answers to remote:53"
lab_udp ct101 remote "$LAB_REMOTE4" 53 30000 300 echo
echo "   class 1:    root uploads a 1 MB backup to $CLASS1:443 (a class-1 address)"
lab_tcp ct101 remote "$CLASS1" 443 1000000 2000
echo "   class 0:    rsync of 700 KB to the provider's backup host $CLASS0 (not billed)"
lab_tcp ct101 remote "$CLASS0" 873 700000 5000
echo "   neighbour:  ct101 queries a database on ct103 (200 KB back)"
lab_tcp ct101 ct103 "$LAB_CT103_4" 5432 20000 200000
echo "   loopback:   the site talks to its local MySQL over lo (1 MB)"
lab_tcp ct101 ct101 127.0.0.1 3306 200000 800000
# Everything so far is recorded on both sides: the end of a clean window.
intervals() { sqlite3 "file:$1?mode=ro" "SELECT count(*) FROM interval" 2>/dev/null || echo 0; }
next_interval() { # DB: waits for its next interval (5 s at most)
	local n i=0
	n=$(intervals "$1")
	while [ "$(intervals "$1")" -le "$n" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
next_interval "$NDB"; next_interval "$CDB"
T_CLEAN=$(date +%s)
sleep 1.2
echo "   a shaper:   a 1 Mbit/s tbf inside ct101 drops most of a 200 KB UDP burst"
echo "               after ctverify counted it (the node never sees those)"
lab_exec ct101 tc qdisc add dev eth0 root tbf rate 1mbit burst 1600 limit 3000
lab_start remote "$NETPIPE" listen udp "$LAB_REMOTE4" 9999 --expect 200000 --timeout 1 \
	--ready "$LAB_TMP/udpl.ready" >/dev/null 2>&1
udpl=$LAB_PID
lab_wait_file "$LAB_TMP/udpl.ready"
lab_exec ct101 "$NETPIPE" connect udp "$LAB_REMOTE4" 9999 --send 200000 --size 1000 --timeout 1 >/dev/null 2>&1 || true
wait "$udpl" || true
lab_stop "$udpl"
echo "               tc says: $(lab_exec ct101 tc -s -j qdisc show dev eth0 | jq '.[0].drops') datagrams dropped"
lab_exec ct101 tc qdisc del dev eth0 root
echo "   a flush:    someone deletes ctverify's table in ct101 right after a snapshot;"
echo "               300 KB flow while the collector puts it back (within a second)"
next_interval "$CDB"
lab_exec ct101 nft delete table inet ctverify
lab_tcp ct101 remote "$LAB_REMOTE4" 6000 250000 50000
sleep 2.5
r_tx1=$(rstat tx); r_rx1=$(rstat rx)
kill -TERM "$NCOLLECT" "$CCOLLECT"
wait "$NCOLLECT" "$CCOLLECT" || true
lab_stop "$NCOLLECT" "$CCOLLECT"


echo
echo "== ctnode stat (the node's live counters, vznetstat layout)"
ctnode stat | indent
echo
echo "== ctnode report --ct 101 --by hour (the node's history, like the agent's query)"
ctnode report --db "$NDB" --ct 101 --by hour | indent
echo
echo "== ctverify report --by hour (inside ct101, per service)"
ctv report --db "$CDB" --by hour | indent
echo
echo "== ctnode export --ct 101 > statement.json (what the provider hands the customer)"
ctnode export --db "$NDB" --ct 101 >"$LAB_TMP/statement.json"
jq -c '{format, source, ct, from_ms, to_ms, totals, classes, networks: (.networks | length),
	intervals: (.intervals | length)}' "$LAB_TMP/statement.json" | indent
ctnode export --db "$NDB" --ct 101 --to "@$T_CLEAN" >"$LAB_TMP/clean.json"
PLESK=2600000 # what the panel shows: the three requests to the domain
echo
echo "== ctverify reconcile --node clean.json (the window before the shaper and the flush;"
echo "   + web log, Plesk $PLESK B): class by class"
set +e
ctv reconcile --db "$CDB" --node "$LAB_TMP/clean.json" \
	--neighbors 198.18.10.103,2001:db8:10::103 --weblog "$log" --plesk "$PLESK" | indent
rc=${PIPESTATUS[0]}
echo
echo "== ctverify reconcile --node statement.json (the whole window, + router eth1 counters):"
echo "   the flush and the shaper are only bounded, so the honest verdict is inconclusive"
ctv reconcile --db "$CDB" --node "$LAB_TMP/statement.json" \
	--neighbors 198.18.10.103,2001:db8:10::103 \
	--router "$((r_tx1 - r_tx0)):$((r_rx1 - r_rx0))" | indent
rc2=${PIPESTATUS[0]}
set -e
# The clean window is consistent (exit 0); the whole one inconclusive (1).
[ "$rc" = 0 ] && [ "$rc2" = 1 ] || rc=1

echo
echo "== Tearing down"
id=$LAB_ID
lab_down
left=$(ip netns list | grep -c "^ctv$id-" || true)
echo "   namespaces of ours left: $left"
exit "$rc"
