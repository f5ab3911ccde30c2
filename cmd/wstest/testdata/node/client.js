// Autobahn-protocol client on Node's ws, a peer for `wstest -m fuzzingserver`:
// it asks /getCaseCount, runs /runCase?case=N&agent=A for every case,
// echoing everything, then asks /updateReports.
// Usage: node client.js [--agent=NAME] ws://127.0.0.1:9001
'use strict';
const WebSocket = require('ws');

const args = process.argv.slice(2);
const agentArg = args.find((a) => a.startsWith('--agent='));
const agent = agentArg ? agentArg.slice('--agent='.length) : 'ws-client';
const base = args.find((a) => !a.startsWith('--')) || 'ws://127.0.0.1:9001';

function open(path, onMessage) {
  return new Promise((resolve) => {
    const ws = new WebSocket(base + path, {
      perMessageDeflate: false,
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
  for (let i = 1; i <= count; i++) {
    await open(`/runCase?case=${i}&agent=${encodeURIComponent(agent)}`,
      (ws, data, isBinary) => ws.send(data, { binary: isBinary }));
  }
  await open(`/updateReports?agent=${encodeURIComponent(agent)}`, () => {});
  console.log(`ran ${count} cases`);
}

main().catch((e) => { console.error(e); process.exit(1); });
