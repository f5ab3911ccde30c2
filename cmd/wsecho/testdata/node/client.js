// Node's ws client against an echo server (cmd/wsecho): text and binary
// messages of every size class, fragmented messages, pings, every close
// code, and invalid UTF-8, each checked byte for byte. Prints "ok" and
// exits 0 when every check passed; prints each failure and exits 1.
//
//   node client.js ws://127.0.0.1:9001 [--short] [--deflate=JSON]
//
// --deflate offers permessage-deflate with ws's options in JSON ({} for its
// defaults: context takeover both ways, client_max_window_bits), compresses
// every message (threshold 0) and checks that the server accepted.
'use strict';
const WebSocket = require('ws');

const url = process.argv[2];
const short = process.argv.includes('--short');
const deflateArg = process.argv.find((a) => a.startsWith('--deflate='));
const deflate = deflateArg ? Object.assign({ threshold: 0 }, JSON.parse(deflateArg.slice('--deflate='.length))) : false;
const sizes = [0, 125, 126, 65535, 65536].concat(short ? [] : [16 << 20]);
const closeCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
let failures = 0;

function fail(msg) {
  failures++;
  console.log('FAIL: ' + msg);
}

// n bytes of valid UTF-8 with multi-byte characters for text, every byte
// value for binary.
function payload(n, text) {
  if (!text) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
    return b;
  }
  const unit = Buffer.from('héllo wörld € 𝄞 ');
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += unit.length) unit.copy(b, i, 0, Math.min(unit.length, n - i));
  // A character cut at the end: overwrite its bytes with ASCII.
  let i = n - 1;
  while (n > 0 && !isValid(b)) b[i--] = 0x7a;
  return b;
}

function isValid(b) {
  return Buffer.compare(Buffer.from(b.toString('utf8'), 'utf8'), b) === 0;
}

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: deflate, maxPayload: 64 << 20 });
    ws.once('open', () => {
      if (deflate && !/permessage-deflate/.test(ws.extensions)) fail(`server did not accept permessage-deflate: extensions "${ws.extensions}"`);
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

function nextMessage(ws) {
  return new Promise((resolve, reject) => {
    const onClose = (code) => reject(new Error('closed with ' + code));
    ws.once('message', (data, isBinary) => {
      ws.off('close', onClose);
      resolve({ data, isBinary });
    });
    ws.once('close', onClose);
  });
}

function closed(ws) {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

async function messages() {
  const ws = await open();
  for (const size of sizes) {
    for (const text of [true, false]) {
      const p = payload(size, text);
      const got = nextMessage(ws);
      ws.send(p, { binary: !text });
      const m = await got;
      if (m.isBinary === text || Buffer.compare(Buffer.from(m.data), p) !== 0) {
        fail(`${text ? 'text' : 'binary'} message of ${size} bytes came back as ${m.isBinary ? 'binary' : 'text'} of ${m.data.length} bytes`);
      }
      // The same message in three fragments.
      if (size >= 3) {
        const got2 = nextMessage(ws);
        const a = Math.floor(size / 3), b = Math.floor((2 * size) / 3);
        ws.send(p.subarray(0, a), { binary: !text, fin: false });
        ws.send(p.subarray(a, b), { binary: !text, fin: false });
        ws.send(p.subarray(b), { binary: !text, fin: true });
        const m2 = await got2;
        if (m2.isBinary === text || Buffer.compare(Buffer.from(m2.data), p) !== 0) {
          fail(`fragmented ${text ? 'text' : 'binary'} message of ${size} bytes came back wrong`);
        }
      }
    }
  }
  // Pings: the pong carries the ping's payload.
  for (const p of [Buffer.alloc(0), Buffer.from('ping'), Buffer.alloc(125, 0xfe)]) {
    const pong = new Promise((resolve) => ws.once('pong', resolve));
    ws.ping(p);
    const got = await pong;
    if (Buffer.compare(got, p) !== 0) fail(`pong payload ${got.length} bytes, want ${p.length}`);
  }
  const c = closed(ws);
  ws.close(1000, 'done');
  const { code } = await c;
  if (code !== 1000) fail(`normal close answered with ${code}`);
}

async function closeCodesEchoed() {
  for (const want of closeCodes) {
    const ws = await open();
    const c = closed(ws);
    ws.close(want, 'bye');
    const { code } = await c;
    if (code !== want) fail(`close with ${want} answered with ${code}`);
  }
  // No status at all: the answer carries none either (1005 locally).
  const ws = await open();
  const c = closed(ws);
  ws.close();
  const { code } = await c;
  if (code !== 1005) fail(`close without status answered with ${code}`);
}

async function invalidUTF8() {
  const ws = await open();
  ws.on('error', () => {});
  const c = closed(ws);
  ws.send(Buffer.from([0x6f, 0x6b, 0xc0, 0xaf]), { binary: false });
  const { code } = await c;
  if (code !== 1007) fail(`invalid UTF-8 text got close ${code}, want 1007`);
}

(async () => {
  try {
    await messages();
    await closeCodesEchoed();
    await invalidUTF8();
  } catch (e) {
    fail(e.stack || String(e));
  }
  if (failures === 0) console.log('ok');
  process.exit(failures === 0 ? 0 : 1);
})();
