// Echo server on Node's ws, a peer for `wstest -m fuzzingclient`.
// ws validates UTF-8 and every framing rule itself; this only echoes.
// Usage: node echo-server.js [port]   (port 0 picks a free one and prints it)
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] ?? 9002);
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port,
  // permessage-deflate for Autobahn's sections 12 and 13. ws's defaults
  // accept every offer Autobahn makes (context takeover or not, any
  // server_max_window_bits); threshold 0 compresses even 16-octet
  // messages, as Autobahn expects every echo to be compressed. Peers that
  // offer nothing (sections 1-10) get no extension.
  // zlib level 1 only makes the 1000-message cases faster; the level is
  // the sender's choice and nothing the cases check.
  perMessageDeflate: { threshold: 0, zlibDeflateOptions: { level: 1 } },
  maxPayload: 64 * 1024 * 1024,
  // ws 8.23 caps a message at 16384 fragments by default (a DoS guard);
  // Autobahn's 9.3.1 and 9.4.1 send 65536 fragments of 64 octets, and
  // wstest rightly fails them (close 1008) at the default.
  maxFragments: 65536,
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => {}); // protocol errors are the point of the tests
});
wss.on('listening', () => console.log(`ws echo server listening on ws://127.0.0.1:${wss.address().port}`));
