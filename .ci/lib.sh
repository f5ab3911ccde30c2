# Sourced by the CI scripts that start servers: the repository root, a
# scratch folder removed on exit, the background processes to stop on exit
# (append their pids to pids), and wait_addr.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# wait_addr FILE: wait (10 s at most) for a "ws://host:port" line in FILE
# and print the address.
wait_addr() {
	for _ in $(seq 100); do
		if a=$(grep -o 'ws://[0-9.]*:[0-9]*' "$1" 2>/dev/null | head -1) && [ -n "$a" ]; then
			echo "$a"
			return 0
		fi
		sleep 0.1
	done
	echo "${0##*/}: no address in $1:" >&2
	cat "$1" >&2
	return 1
}

# deflate_ids ROW...: the ids of those rows of every subcategory of
# sections 12 (12.1-12.5) and 13 (13.1-13.7), as JSON strings joined by
# ", ". Exact ids, because a case pattern matches at the start of an id
# only ("12.*.1" also takes 12.1.10-12.1.18), as Autobahn's do.
deflate_ids() {
	local out='' sub row
	for sub in 12.1 12.2 12.3 12.4 12.5 13.1 13.2 13.3 13.4 13.5 13.6 13.7; do
		for row in "$@"; do out="$out${out:+, }\"$sub.$row\""; done
	done
	echo "$out"
}
