#!/bin/sh
# memory-bench.sh — how much memory a long call takes: the peak resident
# size (GNU time's "maximum resident set size", which covers gnuplot too)
# of whole simulated runs, call and report, of each duration, and the
# growth per media second between them.  What `make bench-memory` runs.
#
#   scripts/memory-bench.sh              60 s, 600 s (10 minutes), 3600 s
#   scripts/memory-bench.sh 60 300       other durations, in seconds
#
# Environment:
#   CALLBENCH   the program (default: build/callbench)
#   MEM_OUT     where the runs are written (default: build/memory-bench).
#               Rows spill to disk there during a call: keep it on a disk,
#               not on a tmpfs, or they are memory after all.
#   MEM_ARGS    more options for every run (e.g. "--codec-time fixed:5,1")
#
# The simulated clock runs faster than real time (an hour of media takes
# about 12 minutes on one core).  Each run's folder is removed after it is
# measured.  Exit status: 0, or 1 if a run failed.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CALLBENCH:-$root/build/callbench}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
out=${MEM_OUT:-$root/build/memory-bench}
args=${MEM_ARGS:-}
[ $# -gt 0 ] || set -- 60 600 3600

if [ ! -x /usr/bin/time ]; then
	echo "memory-bench: GNU time (/usr/bin/time) is needed: apt-get install time" >&2
	exit 1
fi
mkdir -p "$out" || exit 1
echo "peak resident size of simulated calls (call and report), $bin $args"
printf '%8s %12s %10s %14s %20s\n' "media s" "peak kB" "wall s" "kB per media s" "growth kB per s"
first_d= first_kb= rc=0
for d in "$@"; do
	id=mem-$d
	rm -rf "${out:?}/$id"
	# shellcheck disable=SC2086
	if ! /usr/bin/time -f '%M %e' -o "$out/$id.time" "$bin" run --clock sim --duration "$d" \
		--quiet --out "$out" --run-id "$id" $args >"$out/$id.log" 2>&1; then
		echo "memory-bench: the $d s run failed (see $out/$id.log)" >&2
		rc=1
		continue
	fi
	read -r kb wall <"$out/$id.time"
	rm -rf "${out:?}/$id" "$out/$id.log" "$out/$id.time"
	if [ -z "$first_d" ]; then
		first_d=$d first_kb=$kb
		growth=-
	else
		growth=$(awk -v a="$first_kb" -v b="$kb" -v x="$first_d" -v y="$d" \
			'BEGIN { printf "%.1f (from %d s)", (b - a) / (y - x), x }')
	fi
	printf '%8s %12s %10s %14s %20s\n' "$d" "$kb" "$wall" \
		"$(awk -v k="$kb" -v d="$d" 'BEGIN { printf "%.1f", k / d }')" "$growth"
done
rm -f "$out/latest"
rmdir "$out" 2>/dev/null
exit $rc
