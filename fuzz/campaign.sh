#!/usr/bin/env bash
# A fuzz campaign: every fuzz target of the module in turn, for the same
# time each, keeping what the fuzzer found.
#
#   bash fuzz/campaign.sh 5m            # every target, 5 minutes each
#   bash fuzz/campaign.sh 30s Handshake # only targets whose name matches
#
# Targets are found with `go test -list`, in every package that has one.
# go's fuzzer keeps the inputs that reach new code in its cache
# ($(go env GOCACHE)/fuzz/<package>/<target>/); after each target the
# entries it added there during this run are copied into the package's
# testdata/fuzz/<target>/, so that `go test` runs them from then on and the
# next campaign starts from them. A failing input is written there by go
# test itself. Commit what you want to keep.
#
# FUZZ_PARALLEL sets the number of fuzzing processes (default: go test's,
# one per CPU). The exit status is 1 if any target failed.
#
# Go up to 1.26 may end a target with a bare "context deadline exceeded"
# when its time is up (a race in go's fuzzing coordinator,
# golang.org/issue/75804): without a failing input or a failing seed, that
# is counted as a flake, reported, and not as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

time=${1:?usage: bash fuzz/campaign.sh DURATION [TARGET-REGEXP]}
filter=${2:-.}
cache="$(go env GOCACHE)/fuzz"
parallel=()
if [ -n "${FUZZ_PARALLEL:-}" ]; then parallel=(-parallel "$FUZZ_PARALLEL"); fi

# go test's own -timeout (10m by default) must not end a long target: give
# it the fuzzing time plus 10 minutes (for building and minimizing), or
# none for a count (-fuzztime 1000x) or a duration in another form.
timeout=0
case "$time" in
*[0-9]s) [[ $time =~ ^[0-9]+s$ ]] && timeout=$((${time%s} + 600))s ;;
*[0-9]m) [[ $time =~ ^[0-9]+m$ ]] && timeout=$((${time%m} * 60 + 600))s ;;
*[0-9]h) [[ $time =~ ^[0-9]+h$ ]] && timeout=$((${time%h} * 3600 + 600))s ;;
esac

failed=()
flaked=()
ran=0
kept=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
while read -r dir pkg; do
	# Only packages whose tests define a fuzz target.
	grep -qs '^func Fuzz' "$dir"/*_test.go || continue
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' | grep -E -- "$filter" || true); do
		ran=$((ran + 1))
		src="$cache/$pkg/$target"
		dst="$dir/testdata/fuzz/$target"
		before=$(mktemp)
		ls "$src" 2>/dev/null | sort >"$before" || true
		printf '\n== %s %s (%s)\n' "$pkg" "$target" "$time"
		if ! go test -run '^$' -fuzz "^$target\$" -fuzztime "$time" -timeout "$timeout" "${parallel[@]}" "$pkg" 2>&1 | tee "$log"; then
			if grep -q 'context deadline exceeded' "$log" && ! grep -q -e 'Failing input written' -e 'failure while testing seed corpus' "$log"; then
				flaked+=("$pkg $target")
			else
				failed+=("$pkg $target")
			fi
		fi
		# Keep the entries this run added to the cache.
		new=0
		for f in $(ls "$src" 2>/dev/null | sort | comm -13 "$before" -); do
			mkdir -p "$dst"
			if [ ! -e "$dst/$f" ]; then
				cp "$src/$f" "$dst/$f"
				echo "kept $dst/$f"
				new=$((new + 1))
			fi
		done
		rm -f "$before"
		kept=$((kept + new))
		echo "$target: $new new corpus entries kept"
	done
done < <(go list -f '{{.Dir}} {{.ImportPath}}' ./...)

echo
echo "== $ran targets, $kept corpus entries kept, ${#failed[@]} failed, ${#flaked[@]} ended by golang.org/issue/75804"
for f in "${flaked[@]}"; do echo "FLAKE (context deadline exceeded, no failing input): $f"; done
for f in "${failed[@]}"; do echo "FAILED: $f"; done
[ ${#failed[@]} -eq 0 ]
