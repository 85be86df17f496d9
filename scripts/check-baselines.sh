#!/bin/sh
# check-baselines.sh — re-run every baseline listed in
# fixtures/baselines/baselines.list into a temporary folder and hold it
# against the stored fixtures/baselines/NAME.json with `callbench compare`.
#
#   scripts/check-baselines.sh            check (what `make test` runs)
#   scripts/check-baselines.sh --refresh  regenerate the stored summaries
#                                         (what `make baselines` runs)
#
# Environment:
#   CALLBENCH              the program (default: build/callbench)
#   CB_BASELINE_EXTRA_NET  appended to each run as a last --net SPEC, e.g.
#                          "delay=80": injects a change, to prove the gate
#   CB_BASELINE_JUNIT_DIR  write NAME.xml (JUnit) for each baseline there
#   CB_BASELINE_VERBOSE=1  print every metric, not only the regressions
#
# Exit status: 0 no regression, 1 a regression, 2 bad input or a run that
# failed.  The temporary folder is removed on every path.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CALLBENCH:-$root/build/callbench}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
dir=$root/fixtures/baselines
list=$dir/baselines.list
extra=${CB_BASELINE_EXTRA_NET:-}
junit_dir=${CB_BASELINE_JUNIT_DIR:-}
quiet=--quiet
[ "${CB_BASELINE_VERBOSE:-0}" = 1 ] && quiet=
refresh=0
case ${1:-} in
--refresh) refresh=1 ;;
'') ;;
*) echo "usage: $0 [--refresh]" >&2; exit 2 ;;
esac

if [ ! -x "$bin" ]; then
	echo "check-baselines: $bin: not built (make all)" >&2
	exit 2
fi
if [ ! -r "$list" ]; then
	echo "check-baselines: $list: missing" >&2
	exit 2
fi
if [ "$refresh" = 1 ] && [ -n "$extra" ]; then
	echo "check-baselines: CB_BASELINE_EXTRA_NET is set: refusing to store changed baselines" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cb-baselines.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
# A signal ends the script through exit, so the EXIT trap still cleans up.
trap 'exit 130' HUP INT TERM

status=0
n=0
# The runs write under $tmp with a relative --out, so out_dir in the stored
# summaries is "runs", not a temporary path that would change every refresh.
while read -r name args; do
	case $name in '' | '#'*) continue ;; esac
	n=$((n + 1))
	# $args is split into words on purpose: it is the argument list.
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && "$bin" run $args ${extra:+--net "$extra"} --run-id "$name" \
		--out runs --quiet </dev/null >"$name.log" 2>&1); then
		echo "check-baselines: $name: callbench run failed:" >&2
		cat "$tmp/$name.log" >&2
		status=2
		continue
	fi
	if [ "$refresh" = 1 ]; then
		cp "$tmp/runs/$name/summary.json" "$dir/$name.json" || status=2
		echo "check-baselines: $name: stored $dir/$name.json"
		continue
	fi
	echo "== baseline $name${extra:+ (with --net $extra)}"
	"$bin" compare $quiet ${junit_dir:+--junit "$junit_dir/$name.xml"} \
		"$dir/$name.json" "$tmp/runs/$name" </dev/null
	rc=$?
	if [ "$rc" -gt "$status" ]; then status=$rc; fi
done <"$list"

if [ "$n" = 0 ]; then
	echo "check-baselines: $list lists no baseline" >&2
	exit 2
fi
case $refresh$status in
10) echo "check-baselines: stored $n baselines; review the change with git diff $dir" ;;
00) echo "check-baselines: $n baselines, no regression" ;;
01) echo "check-baselines: REGRESSION against the stored baselines (see above)" >&2 ;;
*) echo "check-baselines: could not check every baseline (see above)" >&2 ;;
esac
exit "$status"
