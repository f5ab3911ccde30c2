#!/usr/bin/env bash
# programs.sh: the real programs on the library (cmd/wsecho, cmd/wsclient)
# in CI, strict:
#   1. go run ./cmd/wsselftest: the whole Autobahn suite (sections 1-7, 9,
#      10, 12, 13; 517 cases) against the echo server and the client
#      in-process, with permessage-deflate on; every case must be OK (no
#      NON-STRICT). About 6 minutes on 2 cores, most of it sections 12/13.
#   2. The built binaries under cmd/wstest: fuzzingclient against a wsecho
#      process, fuzzingserver against a wsclient process, same rule: sections
#      1-10 whole, and of 12 and 13 the rows up to 32 KiB per message (rows
#      1-8, and row 11, 8 KiB in 256-byte frames): step 1 ran every row of
#      the same code, this proves the commands' flags and defaults. Then
#      sections 1-7 against wsecho -http (handshakes through net/http).
#   3. Node's ws (pinned in cmd/wsecho/testdata/node) in both roles.
#   4. gorilla/websocket in both roles (bench module).
# Needs go, node and npm. About 7 minutes on 2 cores. Reports stay in
# $WSFRAME_REPORTS if set.
set -euo pipefail

source "$(dirname "$0")/lib.sh"
reports=${WSFRAME_REPORTS:-$work/reports}
cd "$root"

# strict LOG: fail when a wstest summary has any verdict but OK and
# INFORMATIONAL.
strict() {
	if grep -E 'behavior .*(NON-STRICT|FAILED|UNIMPLEMENTED)|close .*(WRONG CODE|UNCLEAN|FAILED)' "$1"; then
		echo "programs: verdicts above are not strictly OK"
		return 1
	fi
	grep -q ' passed, 0 failed' "$1"
}

echo "== self-test: wsecho and wsclient in-process, every case, both roles"
go run ./cmd/wsselftest -outdir "$reports/selftest"

echo "== the binaries under cmd/wstest"
go build -o "$work/wstest" ./cmd/wstest
go build -o "$work/wsecho" ./cmd/wsecho
go build -o "$work/wsclient" ./cmd/wsclient
"$work/wsecho" -addr 127.0.0.1:0 -close-timeout 500ms >"$work/wsecho.log" 2>&1 &
pids+=($!)
addr=$(wait_addr "$work/wsecho.log")
cases='"1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*"'
cases="$cases, $(deflate_ids 1 2 3 4 5 6 7 8 11)"
cat >"$work/fuzzingclient.json" <<JSON
{"outdir": "$reports/wsecho", "servers": [{"agent": "wsecho", "url": "$addr"}], "cases": [$cases]}
JSON
"$work/wstest" -m fuzzingclient -s "$work/fuzzingclient.json" -parallel 4 | tee "$work/fc.log"
strict "$work/fc.log"

# wsecho -http: the handshakes through net/http instead of package
# handshake's parser; what follows them is the same code, so sections 1-7
# (a few seconds) are enough.
"$work/wsecho" -addr 127.0.0.1:0 -close-timeout 500ms -http >"$work/wsecho-http.log" 2>&1 &
pids+=($!)
addr=$(wait_addr "$work/wsecho-http.log")
cat >"$work/fuzzingclient-http.json" <<JSON
{"outdir": "$reports/wsecho-http", "servers": [{"agent": "wsecho-http", "url": "$addr"}], "cases": ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*"]}
JSON
"$work/wstest" -m fuzzingclient -s "$work/fuzzingclient-http.json" -parallel 4 | tee "$work/fc-http.log"
strict "$work/fc-http.log"

cat >"$work/fuzzingserver.json" <<JSON
{"url": "ws://127.0.0.1:0", "outdir": "$reports/wsclient", "cases": [$cases]}
JSON
"$work/wstest" -m fuzzingserver -s "$work/fuzzingserver.json" -once >"$work/fs.log" 2>&1 &
server=$!
pids+=($server)
addr=$(wait_addr "$work/fs.log")
"$work/wsclient" -autobahn "$addr" -agent wsclient -parallel 4
wait "$server" || true
cat "$work/fs.log"
strict "$work/fs.log"

echo "== Node ws interop"
(cd cmd/wsecho/testdata/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
WSFRAME_INTEROP=1 go test -count=1 -run 'Node' ./cmd/wsecho ./cmd/wsclient

echo "== gorilla/websocket interop"
(cd bench && go test -count=1 -run 'Gorilla' .)

echo "programs: all clean"
