# promtext.awk - a strict reader of the Prometheus text exposition format
# as our metrics commands write it; exit 0 only if every line is right:
#   awk -f promtext.awk FILE
# Each family has "# HELP NAME text" then "# TYPE NAME counter|gauge",
# once, before its samples; samples are NAME or NAME{l="v",...} VALUE with
# a known NAME, counters named *_total with non-negative integer values,
# gauges with a decimal value; no series twice; no other comment; at least
# one sample. The first problem is printed with its line number.
function bad(why) { printf "line %d: %s: %s\n", NR, why, $0 > "/dev/stderr"; err = 1; exit 1 }
/^# HELP / {
	if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ || NF < 4) bad("bad HELP")
	if ($3 in help) bad("HELP twice")
	help[$3] = 1; last = $3; next
}
/^# TYPE / {
	if ($3 != last || NF != 4 || ($3 in type)) bad("TYPE must follow its HELP, once")
	if ($4 != "counter" && $4 != "gauge") bad("type is not counter or gauge")
	type[$3] = $4; next
}
/^#/ { bad("unknown comment") }
{
	if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) bad("no metric name")
	name = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
	if (!(name in type)) bad("sample before its TYPE")
	labels = ""
	if (substr(rest, 1, 1) == "{") {
		if (!match(rest, /^\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\}/)) bad("bad labels")
		labels = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
	}
	if (type[name] == "counter") {
		if (name !~ /_total$/) bad("counter not named _total")
		if (rest !~ /^ [0-9]+$/) bad("counter value is not a non-negative integer")
	} else if (rest !~ /^ -?[0-9]+(\.[0-9]+)?$/) bad("gauge value is not a number")
	if ((name labels) in seen) bad("series twice")
	seen[name labels] = 1; n++
}
END { if (!err && n == 0) { print "no samples" > "/dev/stderr"; exit 1 } }
