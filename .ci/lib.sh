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
