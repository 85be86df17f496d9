#!/bin/sh
# Run or merge the libFuzzer targets that `make fuzz` built.
#   scripts/fuzz.sh run   BUILD SECONDS TARGET...   each target SECONDS seconds
#   scripts/fuzz.sh merge BUILD 0 TARGET...         add new coverage to tests/fuzz/corpus/
# A run keeps what it finds in BUILD/corpus/<target>/ (so runs add up), writes
# a crashing input to BUILD/crash-<target>-*, and appends one line per
# target to BUILD/fuzz-stats.tsv: date, target, seconds, executions, corpus size.
set -eu
cd "$(dirname "$0")/.."
mode=$1 build=$2 secs=$3
shift 3
status=0
for t in "$@"; do
	bin=$build/fuzz/fuzz-$t
	seed=tests/fuzz/corpus/$t
	work=$build/corpus/$t
	mkdir -p "$work" "$seed"
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	if [ "$mode" = merge ]; then
		# shellcheck disable=SC2086
		"$bin" -merge=1 $dict "$seed" "$work" 2>"$build/merge-$t.log" ||
			{ tail -n 20 "$build/merge-$t.log"; status=1; continue; }
		echo "fuzz $t: corpus now $(ls "$seed" | wc -l) inputs"
		continue
	fi
	log=$build/fuzz-$t.log
	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$build/crash-$t-" $dict "$work" "$seed" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "fuzz $t: ${secs} s, ${execs:-?} executions, $(ls "$work" | wc -l) new inputs kept, no crash"
		printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$secs" "${execs:-0}" \
			"$(ls "$work" | wc -l)" >>"$build/fuzz-stats.tsv"
	else
		tail -n 40 "$log"
		echo "fuzz $t: CRASH; the input is in $(ls "$build"/crash-"$t"-* 2>/dev/null | head -n 1)"
		echo "  (fix it, then copy the input into $seed/ so make test keeps it)"
		status=1
	fi
done
exit $status
