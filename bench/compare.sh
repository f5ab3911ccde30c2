#!/usr/bin/env bash
# compare.sh: the effect of a change on the benchmarks, old against new, on
# one machine in one run.
#
#   bash bench/compare.sh REV [REV2]
#
# builds the bench module's test binary at REV and at REV2 (default: the
# working tree as it is, uncommitted changes included), runs the chosen
# benchmarks alternately, one round of each binary at a time, so that
# whatever else the machine does falls on both sides alike, and prints
# benchstat's old/new table. Settings, from the environment:
#
#   BENCH      benchmark regexps, separated by spaces, each run in every
#              round (go test splits one regexp at its slashes into one
#              pattern per sub-benchmark level, so benchmarks with different
#              levels need patterns of their own); default: the per-call
#              costs of small messages
#   COUNT      rounds per side (default 10, benchstat's minimum for a
#              confidence interval worth reading)
#   BENCHTIME  -test.benchtime per round (default 100ms)
#   CPU        -test.cpu (default: unset)
#   OUT        folder to keep old.txt and new.txt in (default: a temporary
#              folder, removed on exit)
#
# Run it with nothing else busy on the machine, and name the CPU (printed
# first, from /proc/cpuinfo) next to any figure you quote.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	sed -n '2,24p' "$0" >&2
	exit 2
fi
old_rev=$1
new_rev=${2:-}
bench=${BENCH:-'Mask$/align=.*/size=(8|16|64|125|1500)$ HeaderParse HeaderWrite Receiver UTF8Valid/.*/.*/size=64$'}
count=${COUNT:-10}
benchtime=${BENCHTIME:-100ms}

root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
tmp=$(mktemp -d)
worktrees=()
cleanup() {
	for w in "${worktrees[@]}"; do git -C "$root" worktree remove --force "$w" >/dev/null 2>&1 || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
out=${OUT:-$tmp}
mkdir -p "$out"

# build REV NAME: the bench test binary of REV ("" = the working tree) as
# $tmp/NAME.test.
build() {
	local rev=$1 name=$2 dir=$root
	if [ -n "$rev" ]; then
		dir=$tmp/src-$name
		git -C "$root" worktree add --detach --quiet "$dir" "$rev"
		worktrees+=("$dir")
	fi
	(cd "$dir/bench" && go test -c -o "$tmp/$name.test" .)
	echo "$name: ${rev:-working tree} ($(git -C "$dir" rev-parse --short HEAD)$([ -z "$rev" ] && [ -n "$(git -C "$root" status --porcelain)" ] && echo ", with uncommitted changes"))"
}

benchstat=$(command -v benchstat || true)
if [ -z "$benchstat" ]; then
	GOBIN=$tmp go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
	benchstat=$tmp/benchstat
fi

grep -m1 'model name' /proc/cpuinfo || true
build "$old_rev" old
build "$new_rev" new
: >"$out/old.txt"
: >"$out/new.txt"
args=(-test.run '^$' -test.benchtime "$benchtime" -test.count 1 -test.benchmem)
[ -n "${CPU:-}" ] && args+=(-test.cpu "$CPU")
read -r -a patterns <<<"$bench"
for i in $(seq "$count"); do
	printf '\rround %d/%d' "$i" "$count" >&2
	for p in "${patterns[@]}"; do
		(cd "$root/bench" && "$tmp/old.test" "${args[@]}" -test.bench "$p") >>"$out/old.txt"
		(cd "$root/bench" && "$tmp/new.test" "${args[@]}" -test.bench "$p") >>"$out/new.txt"
	done
done
echo >&2
(cd "$out" && "$benchstat" old=old.txt new=new.txt)
