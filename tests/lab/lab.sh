# lab.sh - the network-namespace lab, sourced by the e2e tests and the demo.
#
#   remote --- router --- node ==br0== ct101 (bridged)
#                          |   ==br0== ct103 (bridged neighbour)
#                          +--veth102-- ct102 (routed, venet-like /32)
#
# Every namespace is named ctv<pid>x<rand>-<role>, so runs never collide;
# lab_up installs a trap that tears the lab down on exit, failure and
# interrupt, and removes what killed runs left behind (their pid is gone).
# Addresses: 198.18.0.0/15 and 2001:db8::/32 only, and only inside the lab.
#
# Addresses (v4 / v6):
#   remote  eth0 198.18.1.2/24      2001:db8:1::2/64    (+ lab_remote_addr)
#   router  eth0 198.18.1.1/24      2001:db8:1::1/64
#           eth1 198.18.2.1/24      2001:db8:2::1/64
#   node    eth0 198.18.2.2/24      2001:db8:2::2/64
#           br0  198.18.10.1/24     2001:db8:10::1/64   (veth101, veth103)
#           veth102 198.18.20.1/32  2001:db8:20::1/128
#   ct101   eth0 198.18.10.101/24   2001:db8:10::101/64
#   ct103   eth0 198.18.10.103/24   2001:db8:10::103/64
#   ct102   eth0 198.18.20.102/32   2001:db8:20::102/128
# The router's and node's default routes lead towards remote, so any other
# lab address (added to remote with lab_remote_addr) is reachable and
# nothing can leave the lab.

LAB_ROLES="remote router node ct101 ct102 ct103"
LAB_PREFIX=ctv
: "${NETPIPE:=${top_builddir:-.}/tests/lab/netpipe}"

# Addresses for tests and the demo.
LAB_REMOTE4=198.18.1.2;    LAB_REMOTE6=2001:db8:1::2
LAB_ROUTER4=198.18.1.1;    LAB_ROUTER6=2001:db8:1::1
LAB_NODE4=198.18.2.2;      LAB_NODE6=2001:db8:2::2
LAB_CT101_4=198.18.10.101; LAB_CT101_6=2001:db8:10::101
LAB_CT102_4=198.18.20.102; LAB_CT102_6=2001:db8:20::102
LAB_CT103_4=198.18.10.103; LAB_CT103_6=2001:db8:10::103

lab_log() { printf 'lab: %s\n' "$*" >&2; }

# lab_ns ROLE -> the namespace name of ROLE in this run.
lab_ns() { printf '%s%s-%s' "$LAB_PREFIX" "$LAB_ID" "$1"; }

# lab_exec ROLE CMD... -> runs CMD inside ROLE's namespace.
lab_exec() { local r=$1; shift; ip netns exec "$(lab_ns "$r")" "$@"; }

# Removes namespaces and mounts of earlier runs whose process is gone (kill -9).
lab_reap_stale() {
	local ns pid id m
	for m in $(findmnt -rno TARGET 2>/dev/null | grep -E '^/tmp/ctv-lab\.[^/]+/' || true); do
		pid=$(cat "${m%/*}/lab.pid" 2>/dev/null) || continue
		kill -0 "$pid" 2>/dev/null || lab_umount "$m"
	done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${LAB_PREFIX}[0-9]+x[0-9a-f]+-" || true); do
		pid=${ns#"$LAB_PREFIX"}; pid=${pid%%x*}
		if ! kill -0 "$pid" 2>/dev/null; then
			lab_kill_ns "$ns"
			ip netns del "$ns" 2>/dev/null || true
			id=${ns#"$LAB_PREFIX"}; id=${id%%-*}
			rm -rf /tmp/ctv-lab."$id".??????
		fi
	done
}

lab_kill_ns() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null || true)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	return 0
}

lab_down() {
	local r ns
	[ -n "${LAB_ID:-}" ] || return 0
	# shellcheck disable=SC2086
	lab_stop $LAB_PIDS
	for r in $LAB_ROLES; do
		ns=$(lab_ns "$r")
		lab_kill_ns "$ns"
		ip netns del "$ns" 2>/dev/null || true
	done
	# After the helpers are gone: none holds a file on them now.
	lab_umount_all
	[ -n "${LAB_TMP:-}" ] && rm -rf "$LAB_TMP"
	LAB_ID=
}

# Sets up a namespace with loopback up, forwarding on, IPv6 without DAD.
lab_mkns() {
	local ns
	ns=$(lab_ns "$1")
	ip netns add "$ns"
	ip netns exec "$ns" sh -c '
		sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
		sysctl -qw net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.accept_ra=0
		ip link set lo up'
}

# lab_link ROLE_A IF_A ROLE_B IF_B: a veth pair between two namespaces.
lab_link() {
	ip -n "$(lab_ns "$1")" link add "$2" type veth peer name "$4" netns "$(lab_ns "$3")"
	ip -n "$(lab_ns "$1")" link set "$2" up
	ip -n "$(lab_ns "$3")" link set "$4" up
}

lab_addr() { ip -n "$(lab_ns "$1")" addr add "$3" dev "$2" nodad 2>/dev/null || ip -n "$(lab_ns "$1")" addr add "$3" dev "$2"; }
lab_route() { local r=$1; shift; ip -n "$(lab_ns "$r")" route add "$@"; }

# A test may set LAB_ON_EXIT to a command run before the teardown.
_lab_trap() {
	local rc=$?
	[ -n "${LAB_ON_EXIT:-}" ] && eval "$LAB_ON_EXIT"
	lab_down
	declare -F e2e_cleanup >/dev/null && e2e_cleanup
	exit "$rc"
}

lab_up() {
	local r
	command -v ip >/dev/null || { lab_log "ip (iproute2) is missing"; return 1; }
	LAB_ID="$$x$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
	LAB_TMP=$(mktemp -d "/tmp/ctv-lab.$LAB_ID.XXXXXX") # the ID: a killed run's is reaped with its namespaces
	trap _lab_trap EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	echo $$ >"$LAB_TMP/lab.pid"
	lab_reap_stale
	local olde=$-
	set -e
	for r in $LAB_ROLES; do lab_mkns "$r"; done

	lab_link remote eth0 router eth0
	lab_link router eth1 node eth0
	lab_addr remote eth0 198.18.1.2/24;  lab_addr remote eth0 2001:db8:1::2/64
	lab_addr router eth0 198.18.1.1/24;  lab_addr router eth0 2001:db8:1::1/64
	lab_addr router eth1 198.18.2.1/24;  lab_addr router eth1 2001:db8:2::1/64
	lab_addr node eth0 198.18.2.2/24;    lab_addr node eth0 2001:db8:2::2/64
	lab_route remote 198.18.0.0/15 via 198.18.1.1
	lab_route remote 2001:db8::/32 via 2001:db8:1::1
	lab_route router default via 198.18.1.2
	lab_route router default via 2001:db8:1::2
	lab_route router 198.18.10.0/24 via 198.18.2.2
	lab_route router 198.18.20.0/24 via 198.18.2.2
	lab_route router 2001:db8:10::/64 via 2001:db8:2::2
	lab_route router 2001:db8:20::/64 via 2001:db8:2::2
	lab_route node default via 198.18.2.1
	lab_route node default via 2001:db8:2::1

	# Bridged containers.
	ip -n "$(lab_ns node)" link add br0 type bridge
	ip -n "$(lab_ns node)" link set br0 up
	lab_addr node br0 198.18.10.1/24; lab_addr node br0 2001:db8:10::1/64
	for r in 101 103; do
		lab_link node "veth$r" "ct$r" eth0
		ip -n "$(lab_ns node)" link set "veth$r" master br0
		lab_addr "ct$r" eth0 "198.18.10.$r/24"
		lab_addr "ct$r" eth0 "2001:db8:10::$r/64"
		lab_route "ct$r" default via 198.18.10.1
		lab_route "ct$r" default via 2001:db8:10::1
	done

	# Routed container, venet-like: host routes through a veth, no bridge.
	lab_link node veth102 ct102 eth0
	lab_addr node veth102 198.18.20.1/32; lab_addr node veth102 2001:db8:20::1/128
	lab_route node 198.18.20.102/32 dev veth102
	lab_route node 2001:db8:20::102/128 dev veth102
	lab_addr ct102 eth0 198.18.20.102/32; lab_addr ct102 eth0 2001:db8:20::102/128
	lab_route ct102 198.18.20.1/32 dev eth0
	lab_route ct102 2001:db8:20::1/128 dev eth0
	lab_route ct102 default via 198.18.20.1
	lab_route ct102 default via 2001:db8:20::1
	case $olde in *e*) ;; *) set +e ;; esac
	lab_wait_ready
}

# Waits until both address families cross the whole lab.
lab_wait_ready() {
	local i r addr
	for i in $(seq 1 50); do
		r=0
		for addr in $LAB_REMOTE4 $LAB_REMOTE6; do
			lab_exec ct101 ping -c1 -W1 -q "$addr" >/dev/null 2>&1 || r=1
			lab_exec ct102 ping -c1 -W1 -q "$addr" >/dev/null 2>&1 || r=1
		done
		[ "$r" = 0 ] && return 0
		sleep 0.2
	done
	lab_log "the lab did not become reachable end to end"
	return 1
}

# lab_remote_addr CIDR...: more addresses on remote (reached via the router).
lab_remote_addr() {
	local a rc=0
	# On lo: some kernels have no dummy driver.
	for a in "$@"; do lab_addr remote lo "$a" || { lab_log "cannot add $a to remote"; rc=1; }; done
	return $rc
}

# ---- mounts the lab makes ------------------------------------------------
# A filesystem a test mounts (a small tmpfs, a loop-mounted image) is
# owned like a helper: lab_down unmounts it, after stopping the helpers
# that may hold files on it, and frees its loop device, on every exit path.
LAB_MOUNTS=

# lab_mount DIR MOUNT-ARGS...: mount MOUNT-ARGS DIR, recorded for lab_down.
lab_mount() {
	local dir=$1; shift
	mount "$@" "$dir" || return
	LAB_MOUNTS="$dir $LAB_MOUNTS"
}

# lab_umount DIR: unmounts DIR (lazily if something still holds it) and
# waits, 60 s at most, until the loop device behind it, if any, lets go of
# its image (mount -o loop sets autoclear, but the kernel may finish the
# unmount after umount returned: an ext4 the kernel made read-only does,
# seconds later on a busy machine), else detaches it. Only then may another program touch the image.
lab_umount() {
	local src back i
	# Safe under set -e (the demo), like lab_stop.
	src=$(findmnt -no SOURCE --mountpoint "$1" 2>/dev/null) || true
	back=$(losetup -nO BACK-FILE "$src" 2>/dev/null) || true
	umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || true
	case $src in
	/dev/loop*)
		for i in $(seq 1 600); do
			[ -n "$back" ] && [ "$(losetup -nO BACK-FILE "$src" 2>/dev/null)" = "$back" ] || break
			sleep 0.1
		done
		if [ -n "$back" ] && [ "$(losetup -nO BACK-FILE "$src" 2>/dev/null)" = "$back" ]; then
			losetup -d "$src" 2>/dev/null || true
		fi ;;
	esac
	LAB_MOUNTS=$(echo " $LAB_MOUNTS " | sed "s| $1 | |g")
	return 0
}

lab_umount_all() {
	local m
	for m in $LAB_MOUNTS; do lab_umount "$m"; done
}

# ---- processes the lab starts ----------------------------------------------
# A helper started in the background is owned: lab_start runs it as a simple
# command (ip netns exec execs it), so $! is the helper itself, and records
# it; lab_stop kills it with everything it started and reaps it; lab_down
# stops whatever is still recorded, on every exit path.
LAB_PIDS=

# lab_start ROLE CMD... (stdin/stdout/stderr as the caller redirects):
# starts CMD in ROLE's namespace in the background; LAB_PID is its pid.
lab_start() {
	local r=$1; shift
	ip netns exec "$(lab_ns "$r")" "$@" &
	LAB_PID=$!
	LAB_PIDS="$LAB_PIDS $LAB_PID"
}

# lab_own PID: records a background job the caller started itself (a loop
# in a subshell, say), so lab_down stops it and its children.
lab_own() { LAB_PIDS="$LAB_PIDS $1"; }

# lab_tree PID -> PID and all its descendants, children first.
lab_tree() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do lab_tree "$c"; done
	echo "$1"
}

# lab_stop PID...: stops each process and all it started (TERM, then KILL
# after 2 s), and reaps it. Returns once they are gone.
lab_stop() {
	local p pids i
	for p in "$@"; do
		[ -n "$p" ] || continue
		pids=$(lab_tree "$p")
		# Safe under set -e (the demo): a helper that already ended is fine.
		kill $pids 2>/dev/null || true
		for i in $(seq 1 40); do
			kill -0 $pids 2>/dev/null || break
			sleep 0.05
		done
		kill -9 $pids 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		LAB_PIDS=$(echo " $LAB_PIDS " | sed "s/ $p / /g")
	done
	return 0
}

# lab_port_free ROLE PROTO PORT: waits (up to 5 s) until no socket of ROLE
# listens on PORT, so a port is never reused while a listener holds it.
lab_port_free() {
	local i opt=-Hltn
	[ "$2" = udp ] && opt=-Hlun
	for i in $(seq 1 100); do
		[ -z "$(lab_exec "$1" ss $opt "sport = :$3" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	lab_log "$1 $2 port $3 is still held: $(lab_exec "$1" ss -Hlnp "sport = :$3" 2>&1)"
	return 1
}

# lab_tcp FROM TO ADDR PORT BYTES [REPLY]: FROM sends BYTES to ADDR:PORT where
# TO listens, which sends REPLY bytes back. Fails unless all bytes arrive.
# The listener is stopped and reaped on every path.
lab_tcp() {
	local from=$1 to=$2 addr=$3 port=$4 bytes=$5 reply=${6:-0} ready got sent pid
	ready="$LAB_TMP/ready.$port.$RANDOM$RANDOM"
	lab_port_free "$to" tcp "$port" || return 1
	lab_start "$to" "$NETPIPE" listen tcp "$addr" "$port" --send "$reply" --ready "$ready" >"$ready.out"
	pid=$LAB_PID
	lab_wait_file "$ready" || { lab_stop "$pid"; return 1; }
	got=$(lab_exec "$from" ${LAB_AS:+setpriv --reuid "$LAB_AS" --regid "$LAB_AS" --clear-groups} \
		"$NETPIPE" connect tcp "$addr" "$port" --send "$bytes") || { lab_stop "$pid"; return 1; }
	wait "$pid" || { lab_stop "$pid"; return 1; }
	lab_stop "$pid"
	sent=$(cat "$ready.out")
	[ "$sent" = "$bytes" ] && [ "$got" = "$reply" ] || {
		lab_log "tcp $from->$to $addr:$port: sent $bytes got $sent, reply $reply got $got"
		return 1
	}
}

# lab_udp FROM TO ADDR PORT BYTES [SIZE] [echo]: FROM sends BYTES in datagrams
# of SIZE to ADDR:PORT where TO listens (and echoes each back with "echo").
lab_udp() {
	local from=$1 to=$2 addr=$3 port=$4 bytes=$5 size=${6:-1000} echo=${7:-} ready pid got
	ready="$LAB_TMP/ready.$port.$RANDOM$RANDOM"
	lab_port_free "$to" udp "$port" || return 1
	lab_start "$to" "$NETPIPE" listen udp "$addr" "$port" --expect "$bytes" --timeout 3 \
		${echo:+--echo} --ready "$ready" >"$ready.out"
	pid=$LAB_PID
	lab_wait_file "$ready" || { lab_stop "$pid"; return 1; }
	lab_exec "$from" ${LAB_AS:+setpriv --reuid "$LAB_AS" --regid "$LAB_AS" --clear-groups} \
		"$NETPIPE" connect udp "$addr" "$port" --send "$bytes" --size "$size" \
		${echo:+--expect "$bytes"} --timeout 3 >/dev/null || { lab_stop "$pid"; return 1; }
	wait "$pid" || { lab_stop "$pid"; return 1; }
	lab_stop "$pid"
	got=$(cat "$ready.out")
	[ "$got" = "$bytes" ] || { lab_log "udp $from->$to $addr:$port: sent $bytes got $got"; return 1; }
}

# lab_wait_file FILE: waits up to 10 s for a helper's ready file.
lab_wait_file() {
	local i
	for i in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
	lab_log "timed out waiting for $1"
	return 1
}

# lab_link_stat ROLE IFNAME rx|tx bytes|packets -> the interface counter,
# read independently of ctverify with 'ip -s -j link'.
lab_link_stat() {
	lab_exec "$1" ip -s -j link show dev "$2" | jq -r ".[0].stats64.$3.$4"
}

# lab_containers_file FILE: ctnode's containers file for the lab's three
# containers: ct101 and ct103 bridged, ct102 routed.
lab_containers_file() {
	printf '%s\n' "101 veth veth101" "102 ip $LAB_CT102_4,$LAB_CT102_6" "103 veth veth103" >"$1"
}

# Independent rule counters.
lab_nft_json() { lab_exec "$1" nft -j list ruleset; }
lab_ipt_save() { lab_exec "$1" iptables-legacy-save -c; }
lab_ip6t_save() { lab_exec "$1" ip6tables-legacy-save -c; }
