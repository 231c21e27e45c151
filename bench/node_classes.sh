# node_classes.sh - sourced by the rules benches: bench_node_classes FILE
# writes a node-sized networks_classes file (16 classes: 1 everywhere,
# 20 class-0 networks, 2..15 on 40 IPv4 and 40 IPv6 networks each; 1,142
# lines), what a provider's node may carry.
bench_node_classes() {
	{
		echo "1 0.0.0.0/0"; echo "1 ::/0"
		for n in $(seq 0 19); do echo "0 198.19.$n.0/24"; done
		for c in $(seq 2 15); do
			for n in $(seq 0 39); do
				echo "$c 10.$c.$n.0/24"
				echo "$c 2001:db8:$c:$n::/64"
			done
		done
	} >"$1"
}
