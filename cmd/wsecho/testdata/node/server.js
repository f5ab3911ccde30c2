// Node's ws echo server for testing a client (cmd/wsclient): it echoes
// every message with its type, lets ws answer pings, and reports on stdout
// one line per closed connection, "close CODE REASON", and "error MESSAGE"
// for any protocol violation ws saw. The first line is its ws:// address.
//
//   node server.js [port] [deflate-JSON]
//
// With deflate-JSON (ws's perMessageDeflate options; {} for its defaults)
// it accepts permessage-deflate and compresses every message (threshold 0).
'use strict';
const WebSocket = require('ws');

const deflate = process.argv[3] ? Object.assign({ threshold: 0 }, JSON.parse(process.argv[3])) : false;
const wss = new WebSocket.Server({ host: '127.0.0.1', port: Number(process.argv[2] || 0), perMessageDeflate: deflate, maxPayload: 64 << 20 });
wss.on('listening', () => console.log(`ws://127.0.0.1:${wss.address().port}`));
wss.on('connection', (ws) => {
  console.log(`extensions ${ws.extensions || '-'}`);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', (err) => console.log(`error ${err.message}`));
  ws.on('close', (code, reason) => console.log(`close ${code} ${reason.toString()}`));
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
