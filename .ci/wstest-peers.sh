#!/usr/bin/env bash
# wstest-peers.sh: prove cmd/wstest against WebSocket stacks nobody here
# wrote. It runs every case of Autobahn's sections 1-7, 9 and 10
#   - as fuzzingclient against an echo server on gorilla/websocket
#     (bench/cmd/gorillaecho) and one on Node's ws
#     (cmd/wstest/testdata/node/echo-server.js), and
#   - as fuzzingserver against Node's ws client (testdata/node/client.js)
#     and gorilla's client (bench/cmd/gorillaclient),
# prints each run's summary lines and exits non-zero if any case failed or
# any step broke. Needs go, node and npm (installs the pinned ws there).
# Takes one to two minutes on 2 cores. Reports stay in $WSTEST_REPORTS if set.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
reports=${WSTEST_REPORTS:-$work/reports}

echo "== building wstest and the peers"
(cd "$root" && go build -o "$work/wstest" ./cmd/wstest)
(cd "$root/bench" && go build -o "$work/gorillaecho" ./cmd/gorillaecho && go build -o "$work/gorillaclient" ./cmd/gorillaclient)
(cd "$root/cmd/wstest/testdata/node" && npm install --no-audit --no-fund --loglevel=error >/dev/null)

"$work/gorillaecho" -addr 127.0.0.1:0 >"$work/gorilla.log" 2>&1 &
pids+=($!)
node "$root/cmd/wstest/testdata/node/echo-server.js" 0 >"$work/nodeecho.log" 2>&1 &
pids+=($!)
gorilla=$(wait_addr "$work/gorilla.log")
nodews=$(wait_addr "$work/nodeecho.log")

status=0
cat >"$work/fuzzingclient.json" <<JSON
{
  "outdir": "$reports/servers",
  "servers": [
    {"agent": "gorilla-websocket", "url": "$gorilla"},
    {"agent": "node-ws", "url": "$nodews"}
  ],
  "cases": ["*"],
  "exclude-cases": []
}
JSON
echo "== fuzzingclient: gorilla/websocket and Node ws echo servers"
"$work/wstest" -m fuzzingclient -s "$work/fuzzingclient.json" -parallel 4 || status=1

# fuzz_clients AGENT CMD...: run wstest as fuzzingserver (port 0, -once)
# and the client CMD against it; the client gets the URL as last argument.
fuzz_clients() {
	local agent=$1
	shift
	cat >"$work/fuzzingserver-$agent.json" <<JSON
{"url": "ws://127.0.0.1:0", "outdir": "$reports/clients-$agent", "cases": ["*"]}
JSON
	echo "== fuzzingserver: $agent"
	"$work/wstest" -m fuzzingserver -s "$work/fuzzingserver-$agent.json" -once >"$work/fuzzingserver-$agent.log" 2>&1 &
	local server=$!
	pids+=($server)
	local addr
	addr=$(wait_addr "$work/fuzzingserver-$agent.log")
	"$@" "$addr" || status=1
	wait "$server" || status=1
	tail -n +2 "$work/fuzzingserver-$agent.log"
}
fuzz_clients node-ws-client node "$root/cmd/wstest/testdata/node/client.js" --agent=node-ws-client
fuzz_clients gorilla-client "$work/gorillaclient" -agent gorilla-client -url

if [ "$status" -ne 0 ]; then
	echo "wstest-peers: FAILED (reports under $reports)"
else
	echo "wstest-peers: all peers clean"
	[ -n "${WSTEST_REPORTS:-}" ] || echo "(set WSTEST_REPORTS=dir to keep the reports)"
fi
exit "$status"
