// Autobahn-protocol client on Node's ws, a peer for `wstest -m fuzzingserver`:
// it asks /getCaseCount, runs /runCase?case=N&agent=A for every case,
// echoing everything, then asks /updateReports.
// Usage: node client.js [--agent=NAME] [--parallel=N] ws://127.0.0.1:9001
//
// With --stdin it runs no protocol of its own: it reads case URLs, one a
// line, connects to each (at once, in parallel), echoes everything and
// prints "closed URL" when that connection is over. That is how the
// conformance package's go test entry point (RunClientTests) drives it.
'use strict';
const WebSocket = require('ws');

const args = process.argv.slice(2);
const agentArg = args.find((a) => a.startsWith('--agent='));
const agent = agentArg ? agentArg.slice('--agent='.length) : 'ws-client';
const base = args.find((a) => !a.startsWith('--')) || 'ws://127.0.0.1:9001';
const parallelArg = args.find((a) => a.startsWith('--parallel='));
const parallel = parallelArg ? Math.max(1, Number(parallelArg.slice('--parallel='.length)) || 1) : 1;

function open(path, onMessage) {
  return new Promise((resolve) => {
    const ws = new WebSocket(base + path, {
      // Offers permessage-deflate ("permessage-deflate;
      // client_max_window_bits"), which lets wstest's sections 12 and 13
      // accept with any of Autobahn's parameters; threshold 0 compresses
      // every message. Sections 1-10 decline it.
      // zlib level 1 only makes the cases faster (see echo-server.js).
      perMessageDeflate: { threshold: 0, zlibDeflateOptions: { level: 1 } },
      maxPayload: 64 * 1024 * 1024,
      maxFragments: 65536, // see echo-server.js
    });
    ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
    ws.on('error', () => {});
    ws.on('close', resolve);
  });
}

async function main() {
  let count = 0;
  await open('/getCaseCount', (ws, data) => { count = Number(data.toString()); });
  if (!(count > 0)) throw new Error('no case count');
  // --parallel=N runs up to N cases at once (wstest serves them in
  // parallel); the default runs them one by one, as Autobahn's clients do.
  let next = 1;
  const worker = async () => {
    while (next <= count) {
      const i = next++;
      await open(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`,
        (ws, data, isBinary) => ws.send(data, { binary: isBinary }));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  await open(`/updateReports?agent=${encodeURIComponent(agent)}`, () => {});
  console.log(`ran ${count} cases`);
}

function fromStdin() {
  const lines = require('readline').createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const url = line.trim();
    if (url === '') return;
    const ws = new WebSocket(url, {
      perMessageDeflate: { threshold: 0, zlibDeflateOptions: { level: 1 } },
      maxPayload: 64 * 1024 * 1024,
      maxFragments: 65536,
    });
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => {});
    ws.on('close', () => console.log(`closed ${url}`));
  });
}

if (args.includes('--stdin')) {
  fromStdin();
} else {
  main().catch((e) => { console.error(e); process.exit(1); });
}
