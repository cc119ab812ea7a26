#!/bin/sh
# SPDX-License-Identifier: MIT
# Benchmark, paired: two copies of a daemon at the same time on 127.0.0.1, copy X watched or confined by
# harden and copy Y not, each under its own client (ab -k -c 5 for nginx, redis-benchmark -c 5 -t
# set,get,lpush,lpop for redis). Each copy (its daemon, harden if any, its client) is in a cgroup of its
# own, and both copies are on the same CPU. The figure of a round is CPU time per request of Y over that of
# X, from their cgroups' usage and the daemons' own request counters read at the same two moments (0.97:
# X needs 3% more CPU per request, so on a busy machine it serves 3% less). Why: on a shared VM the CPU
# itself gets faster and slower by tens of percent from one second to the next, and steal time is not why
# (bench/daemon.sh's CPU per request, with steal left out, moves with the rate), so runs one after another
# compare moments, not modes: bench/daemon.sh's plain-against-plain ratio moves by 4% and more. Two copies
# at once on one CPU live through the same moments of the same CPU. X is slot a in odd rounds and b in
# even ones. The rate ratio (X's requests / Y's) is printed too.
# Modes (X's role; Y is always the daemon unobserved):
#   same    X unobserved too: how precise a pair is
#   run     X under harden run --unit with the drop-in learned from the same client, enforcing
#   ebpf    X under harden learn --backend=ebpf (the clients are not traced)
#   floor   X under learn's program with HARDEN_BENCH_EBPF_FLOOR=1: followed, nothing recorded
#   ptrace  X under harden learn --backend=ptrace
#   strace  X under strace -f -qq -o /dev/null (the usual way to see what a daemon calls)
#   hook    X and Y both unobserved; in every other window of HOOK_WINDOW seconds (0.5) bench_tp_floor
#           holds a do-nothing program on sys_enter; the figure is CPU per request without it over with
#           it, the median over the pairs of windows of the round
# A pair cannot show all of eBPF learning's cost: learn's program runs on every syscall of the machine,
# Y's too, so "ebpf" is the cost of being followed beyond what every process pays while learn runs. What
# every process pays is "hook": the kernel's slow syscall path that any sys_enter tracepoint turns on for
# every task, with the cheapest possible program (learn's own early return for a task it does not follow
# adds one inlined array lookup: its slot). eBPF learning's whole cost is about hook x ebpf, printed as such. hook is
# the least precise figure: its windows are taken one after another.
# A round counts only if both clients succeeded with 0 failed requests and harden run reported no kill.
# usage: sh bench/paired.sh [HARDEN] [ROUNDS]   (root)   env: ROUNDS (default 5), SECONDS_PER_PAIR
#        (default 8), HOOK_WINDOW (0.5), DAEMONS ("nginx redis"), MODES ("same run ebpf floor hook ptrace
#        strace"), VERBOSE=1 (each round's figures), NGINX_WWW (see below). About 80 s per round and daemon.
set -u
HARDEN=${1:-build/harden}
ROUNDS=${2:-${ROUNDS:-5}}
D=${SECONDS_PER_PAIR:-8}
HOOK_WINDOW=${HOOK_WINDOW:-0.5}
DAEMONS=${DAEMONS:-nginx redis}
MODES=${MODES:-same run ebpf floor hook ptrace strace}
[ "$(id -u)" = 0 ] || { echo "skip: needs root (eBPF learning, nginx's master)" >&2; exit 77; }
HARDEN=$(realpath "$HARDEN")
TP_FLOOR=$(dirname "$HARDEN")/bench/bench_tp_floor
T=$(mktemp -d)
chmod 755 "$T"
# nginx's document roots: under $T in /tmp by default, a directory learn watches (PrivateTmp=), so that
# every request's open is checked against the paths already sent: the worst case. NGINX_WWW=DIR puts them
# in a new directory under DIR instead (/srv, say: not watched, as /var/www is not)
if [ -n "${NGINX_WWW:-}" ]; then WWW=$(mktemp -d "$NGINX_WWW/harden-paired.XXXXXX") || exit 1; else WWW=$T/www && mkdir "$WWW"; fi
chmod 755 "$WWW"
CG=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
[ -n "$CG" ] || { echo "skip: no cgroup2 mount (each copy's CPU time is read from its cgroup)" >&2; exit 77; }
command -v taskset >/dev/null || { echo "skip: taskset missing (util-linux)" >&2; exit 77; }
CG=$CG/harden-paired-$$
mkdir "$CG" "$CG/a" "$CG/b" || exit 1
# both copies on the last CPU; this script (the counter reads, bench_tp_floor's loads) on the others
PAIR_CPU=$(($(nproc) - 1))
[ "$PAIR_CPU" -gt 0 ] && taskset -pc "0-$((PAIR_CPU - 1))" $$ >/dev/null
cleanup() {
	for f in "$T"/*.bg "$T"/*.pid "$T"/*/nginx.pid; do [ -s "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null; done
	for s in a b; do xargs -r kill -KILL <"$CG/$s/cgroup.procs" 2>/dev/null; done
	i=0
	while ! rmdir "$CG/a" "$CG/b" "$CG" 2>/dev/null && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
	rm -rf "$T" "$WWW"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
. "$(dirname "$0")/common.sh"
now() { date +%s.%N; }

# ---- the daemons, per copy S (a or b): NAME_setup S, then $NAME_cmd_S; NAME_count S (the daemon's own
# request counter), NAME_client S (the client for D seconds, output to $T/S.client), NAME_failed FILE,
# NAME_stop S
nginx_setup() {
	p=$(port)
	mkdir -p "$WWW/$1" "$T/$1/tmp"
	head -c 1024 /dev/urandom >"$WWW/$1/index.html"
	nginx_conf "$T/$1" 1 "$p" "$WWW/$1" "location = /hd-status { stub_status; }" >"$T/$1/nginx.conf"
	eval "nginx_port_$1=$p"
	eval "nginx_cmd_$1=\"$(command -v nginx || echo /usr/sbin/nginx) -p $T/$1 -c $T/$1/nginx.conf -e $T/$1/error.log\""
}
nginx_port() { eval "echo \$nginx_port_$1"; }
# stub_status's third line: accepted connections, handled connections, requests
nginx_count() { curl -s --max-time 2 "http://127.0.0.1:$(nginx_port "$1")/hd-status" | awk 'NR == 3 {print $3}'; }
nginx_client() { ab -q -k -t "$1" -n 100000000 -c 5 -s 10 "http://127.0.0.1:$(nginx_port "$2")/index.html"; }
nginx_learn_workload() { # S: what the drop-in for "run" is learned from, as a script
	u=http://127.0.0.1:$(nginx_port "$1")
	echo "until curl -s --max-time 2 -o /dev/null $u/hd-status; do sleep 0.05; done"
	echo "ab -q -k -t 3 -n 100000000 -c 5 -s 10 $u/index.html >/dev/null && curl -s -o /dev/null $u/hd-status"
}
nginx_stop() { master=$(cat "$T/$1/nginx.pid" 2>/dev/null) && [ -n "$master" ] && kill -TERM "$master" 2>/dev/null; rm -f "$T/$1/nginx.pid"; }

redis_setup() {
	p=$(port)
	mkdir -p "$T/$1"
	eval "redis_port_$1=$p"
	eval "redis_cmd_$1=\"$(command -v redis-server) --bind 127.0.0.1 --port $p --daemonize no --save '' --appendonly no --dir $T/$1 --pidfile $T/$1.pid --logfile $T/$1/redis.log\""
}
redis_port() { eval "echo \$redis_port_$1"; }
redis_count() {
	timeout 2 redis-cli -h 127.0.0.1 -p "$(redis_port "$1")" INFO stats |
		sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p'
}
# -l: the tests over and over until timeout ends it (exit 124: what ending it on time looks like)
redis_client() {
	st=0
	timeout "$1" redis-benchmark -h 127.0.0.1 -p "$(redis_port "$2")" -q -l -c 5 -t set,get,lpush,lpop || st=$?
	[ $st = 124 ]
}
redis_learn_workload() {
	r="redis-cli -h 127.0.0.1 -p $(redis_port "$1")"
	echo "until timeout 2 $r PING >/dev/null 2>&1; do sleep 0.05; done"
	echo "timeout 3 redis-benchmark -h 127.0.0.1 -p $(redis_port "$1") -q -l -c 5 -t set,get,lpush,lpop >/dev/null"
	echo "[ \$? = 124 ] && $r INFO stats >/dev/null"
}
redis_stop() { timeout 10 redis-cli -h 127.0.0.1 -p "$(redis_port "$1")" SHUTDOWN NOSAVE >/dev/null 2>&1; rm -f "$T/$1.pid"; }

# ---- one pair: each copy (its daemon, harden if any, and its client) in a cgroup of its own, for its CPU
# time, and all of both on one CPU, so that both live through the same speed of the same CPU; this script
# and its counter reads on another CPU where there is one
enter() { # S: put this (sub)shell, and so what it starts, into copy S's cgroup and onto the pair's CPU
	self=$(exec sh -c 'echo $PPID')
	echo "$self" >"$CG/$1/cgroup.procs" && taskset -pc "$PAIR_CPU" "$self" >/dev/null
}
usage() { awk '$1 == "usage_usec" {print $2}' "$CG/$1/cpu.stat"; } # S: copy S's CPU time so far, in us
start() { # S PREFIX...: start copy S's daemon behind PREFIX in the background
	s=$1
	shift
	eval "c=\$${d}_cmd_$s"
	# shellcheck disable=SC2086
	(enter $s && eval "exec $* $c") >"$T/$s.out" 2>&1 &
	echo $! >"$T/$s.bg"
}
up() { # S: wait (bounded) until copy S answers; false if it died or never answered
	i=0
	until [ -n "$(${d}_count "$1" 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -lt 400 ] && kill -0 "$(cat "$T/$1.bg")" 2>/dev/null || return 1
		sleep 0.05
	done
}
finish() { # S: stop copy S: its own way first, then as systemd stops a unit by default (KillMode=
	# control-group): TERM to every process of its cgroup, KILL to what is left. Under a drop-in learned by
	# `learn -- nginx` (which stops nginx with TERM to all its processes), a worker may never have read
	# the master's stop command from their channel: its recvmsg() then fails with EPERM, and TERM to the
	# master alone leaves the worker serving on the port
	${d}_stop "$1"
	i=0
	while [ -s "$CG/$1/cgroup.procs" ] && [ $i -lt 200 ]; do
		[ $i = 20 ] && xargs -r kill -TERM <"$CG/$1/cgroup.procs" 2>/dev/null
		i=$((i + 1))
		sleep 0.05
	done
	xargs -r kill -KILL <"$CG/$1/cgroup.procs" 2>/dev/null
	[ -s "$T/$1.bg" ] || return 0
	b=$(cat "$T/$1.bg")
	i=0
	while kill -0 "$b" 2>/dev/null && [ $i -lt 200 ]; do i=$((i + 1)); sleep 0.05; done
	kill -KILL "$b" 2>/dev/null
	wait "$b" 2>/dev/null
	rm -f "$T/$1.bg"
}
sample() { echo "$(${d}_count a) $(${d}_count b) $(usage a) $(usage b)"; } # requests and CPU us of a and b
window() { # both clients for D seconds; prints the requests of a and b, then their CPU us, from second 1 to D-1
	for s in a b; do (enter $s && ${d}_client "$D" $s >"$T/$s.client" 2>&1; echo $? >"$T/$s.client-rc") & done
	sleep 1
	s0=$(sample)
	if [ "$m" = hook ]; then hook_windows; else sleep $((D - 2)); fi
	s1=$(sample)
	wait
	echo "$s0 $s1" | awk '{print $5 - $1, $6 - $2, $7 - $3, $8 - $4}'
}
hook_windows() { # hook: HOOK_WINDOW seconds with the do-nothing program, as long without, for D-2 seconds;
	# each window's "ON REQUESTS CPU-US" (both copies together) goes to $T/hook.windows
	: >"$T/hook.windows"
	k=0
	end=$(($(date +%s) + D - 2))
	while [ "$(date +%s)" -lt $end ]; do
		k=$((k + 1))
		for on in 1 0; do
			w0=$(sample)
			if [ $on = 1 ]; then "$TP_FLOOR" sleep "$HOOK_WINDOW"; else sleep "$HOOK_WINDOW"; fi
			echo "$on $w0 $(sample)" | awk '{print $1, $6 + $7 - $2 - $3, $8 + $9 - $4 - $5}' >>"$T/hook.windows"
		done
	done
}
ok() { # S: copy S's client succeeded without a failed request
	[ "$(cat "$T/$1.client-rc" 2>/dev/null)" = 0 ] && [ "$(${d}_failed "$T/$1.client")" = 0 ]
}
pair() { # mode $m once: "CPU-RATIO RATE-RATIO", or a word saying why there are none
	# learn's --while: blocked on a FIFO until the round ends, costing the copy it runs beside no CPU (a
	# polling loop of sleeps costs about 1%)
	rm -f "$T/stop"
	mkfifo "$T/stop"
	hold="read x <$T/stop"
	# the copy watched (X) is a in odd rounds and b in even ones, so that a bias between the slots (which
	# starts first, which is read first) falls on both sides alike
	if [ $((round % 2)) = 1 ]; then X=a Y=b; else X=b Y=a; fi
	# a copy left over from the last pair would answer for the one started now: refuse to measure
	for s in a b; do
		if [ -n "$(${d}_count $s 2>/dev/null)" ] || [ -s "$CG/$s/cgroup.procs" ]; then echo "left-over-daemon"; return; fi
	done
	case $m in
	same | hook) start $X "" ;;
	run) start $X "\"$HARDEN\" run --unit \"$T/$d-$X.service\" --" ;;
	ebpf) start $X "\"$HARDEN\" learn --backend=ebpf --ready-after=30 -o /dev/null --while \"$hold\" --" ;;
	floor) start $X "env HARDEN_BENCH_EBPF_FLOOR=1 \"$HARDEN\" learn --backend=ebpf --ready-after=30 -o /dev/null --while \"$hold\" --" ;;
	ptrace) start $X "\"$HARDEN\" learn --backend=ptrace --ready-after=30 -o /dev/null --while \"$hold\" --" ;;
	strace) start $X "strace -f -qq -o /dev/null" ;;
	esac
	start $Y ""
	if ! up a || ! up b; then
		echo "not-up"
		cat "$T/a.out" "$T/b.out" >&2
	else
		w=$(window)
		if grep -q ' run: blocked ' "$T/$X.out"; then echo killed
		elif ! ok a || ! ok b; then echo failed-requests; tail -3 "$T/a.client" "$T/b.client" >&2
		elif [ $m = hook ]; then
			# per pair of windows (with, without): CPU per request without / with; and the rates the same way
			awk '$1 == 1 {cr = $2 > 0 ? $3 / $2 : 0; n = $2}
			     $1 == 0 && cr > 0 && $2 > 0 && $3 > 0 {print ($3 / $2) / cr, n / $2}' "$T/hook.windows" >"$T/hook.pairs"
			echo "$(cut -d ' ' -f 1 "$T/hook.pairs" | median) $(cut -d ' ' -f 2 "$T/hook.pairs" | median)"
		else
			# CPU per request of Y / of X (0.97: X costs 3% more per request); requests of X / of Y
			echo "$w" | awk -v x=$X '$1 > 0 && $2 > 0 && $3 > 0 && $4 > 0 {
				r = ($4 / $2) / ($3 / $1); q = $1 / $2; if (x == "b") {r = 1 / r; q = 1 / q}
				printf "%.6f %.6f\n", r, q; next}
				{print "no-requests"}'
		fi
	fi
	timeout 5 sh -c "echo >$T/stop" 2>/dev/null
	finish a
	finish b
}

[ -x "$TP_FLOOR" ] || MODES=$(echo "$MODES" | sed 's/ *hook//')
printf '%-7s %-7s %9s %10s %s\n' daemon mode cpu-ratio rate-ratio "cpu-ratio over rounds: min q1..q3 max"
for d in $DAEMONS; do
	case $d in
	nginx) command -v ab >/dev/null && command -v curl >/dev/null || { echo "nginx: skip (ab or curl missing)"; continue; } ;;
	redis) command -v redis-benchmark >/dev/null || { echo "redis: skip (redis-benchmark missing)"; continue; } ;;
	esac
	${d}_setup a
	${d}_setup b
	# the drop-in "run" enforces, learned from the client (and the counter reads) on copy a
	eval "c=\$${d}_cmd_a"
	${d}_learn_workload a >"$T/learn.workload"
	if ! eval "\"$HARDEN\" learn --ready-after=30 -o \"$T/$d.dropin\" --while \"sh $T/learn.workload\" -- $c" >"$T/learn.out" 2>&1; then
		echo "$d: learning the drop-in for 'run' failed: $(tail -2 "$T/learn.out")"
	fi
	${d}_stop a
	for s in a b; do # the drop-in's ReadWritePaths= is $T, where both copies keep their files
		eval "printf '[Service]\\nExecStart=%s\\n' \"\$${d}_cmd_$s\"" >"$T/$d-$s.service"
		mkdir -p "$T/$d-$s.service.d"
		[ -s "$T/$d.dropin" ] && cp "$T/$d.dropin" "$T/$d-$s.service.d/harden.conf"
	done
	for m in $MODES; do : >"$T/$d.$m"; done
	round=0
	while [ $round -lt "$ROUNDS" ]; do
		round=$((round + 1))
		for m in $MODES; do
			pair >"$T/figure"
			cat "$T/figure" >>"$T/$d.$m"
			[ -z "${VERBOSE:-}" ] || echo "  $d round $round $m: $(cat "$T/figure")" >&2
		done
	done
	for m in $MODES; do
		grep -E '^[0-9.]+ [0-9.]+$' "$T/$d.$m" >"$T/nums"
		other=$(grep -vE '^[0-9.]+ [0-9.]+$' "$T/$d.$m" | sort -u | tr '\n' ' ')
		cpu=$(cut -d ' ' -f 1 "$T/nums" | median | awk '$1 != "-" {printf "%.3f", $1; next} {print "-"}')
		rate=$(cut -d ' ' -f 2 "$T/nums" | median | awk '$1 != "-" {printf "%.3f", $1; next} {print "-"}')
		spread=$(cut -d ' ' -f 1 "$T/nums" | sort -n | awk '{v[NR] = $1}
			END {if (NR) printf "%.3f %.3f..%.3f %.3f", v[1], v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)], v[NR]}')
		printf '%-7s %-7s %9s %10s %s%s\n' "$d" "$m" "$cpu" "$rate" "$spread" "${other:+ (not measured: $other)}"
		eval "${d}_$m=\$cpu"
	done
	eval "sa=\${${d}_same:--} e=\${${d}_ebpf:--} f=\${${d}_floor:--} r=\${${d}_run:--} h=\${${d}_hook:--}"
	eval "p=\${${d}_ptrace:--} st=\${${d}_strace:--}"
	awk -v d="$d" -v sa="$sa" -v e="$e" -v f="$f" -v r="$r" -v h="$h" -v p="$p" -v st="$st" '
	function loss(x) { return (1 - x) * 100 }
	BEGIN {
		if (sa != "-") printf "%s: two unobserved copies (same): %.3f: read the other ratios to about that precision\n", d, sa
		if (r != "-") printf "%s: harden run costs %.2f%% more CPU per request (goal <= 2%% loss): %s\n", d, loss(r), loss(r) <= 2 ? "met" : "NOT met"
		if (h != "-") printf "%s: a do-nothing sys_enter program (hook) costs every process %.1f%% more CPU per request\n", d, loss(h)
		if (f != "-") printf "%s: being followed by learn'"'"'s program that records nothing (floor): %.1f%% beyond that\n", d, loss(f)
		if (e != "-") printf "%s: being learned (ebpf): %.1f%% beyond that\n", d, loss(e)
		if (p != "-" && st != "-") printf "%s: ptrace learning: %.3f; strace -f: %.3f; strace -f needs %.2fx the CPU per request that ptrace learning needs\n", d, p, st, p / st
		if (e != "-" && h != "-") printf "%s: eBPF learning, all told (hook x ebpf), costs %.2f%% (goal <= 5%% loss): %s\n", d, loss(h * e), loss(h * e) <= 5 ? "met" : "NOT met"
	}'
	k=$(grep -c '^killed$' "$T/$d.run" 2>/dev/null)
	echo "$d: harden run with the drop-in ($(grep -c '^SystemCall' "$T/$d-a.service.d/harden.conf" 2>/dev/null || echo 0) SystemCall lines, enforcing): ${k:-0} of $ROUNDS rounds had a kill"
done
