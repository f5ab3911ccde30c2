package handshake

import "strings"

// Real opening requests. nodeWS and gorilla are the bytes those clients
// sent to a listener (ws 8.23.0, gorilla/websocket 1.5.3), curl's is what
// curl 7.88 sends when told the upgrade headers (the usual way to poke a
// WebSocket endpoint with it; the key is ours, see the refusal
// "key-13-bytes"), and the browsers' are written after what
// Chrome 124 and Firefox 125 send, cookies and all.
var realRequests = []struct {
	name string
	req  string
	// What the parser must find.
	target, host, origin, key string
	protocols, extensions     []string
}{
	{
		name: "chrome",
		req: "GET /chat?room=lobby HTTP/1.1\r\n" +
			"Host: chat.example.com\r\n" +
			"Connection: Upgrade\r\n" +
			"Pragma: no-cache\r\n" +
			"Cache-Control: no-cache\r\n" +
			"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
			"Upgrade: websocket\r\n" +
			"Origin: https://chat.example.com\r\n" +
			"Sec-WebSocket-Version: 13\r\n" +
			"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
			"Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n" +
			"Cookie: _ga=GA1.1.1873412090.1714032151; sessionid=k3v9x0p2m7q1w8e4r6t5y; csrftoken=Qm9zZ2V0aGVyU2Vzc2lvbg\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
			"\r\n",
		target: "/chat?room=lobby", host: "chat.example.com", origin: "https://chat.example.com",
		key:        "dGhlIHNhbXBsZSBub25jZQ==",
		extensions: []string{"permessage-deflate; client_max_window_bits"},
	},
	{
		name: "firefox",
		req: "GET /socket HTTP/1.1\r\n" +
			"Host: localhost:8080\r\n" +
			"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\n" +
			"Accept: */*\r\n" +
			"Accept-Language: en-US,en;q=0.5\r\n" +
			"Accept-Encoding: gzip, deflate, br\r\n" +
			"Sec-WebSocket-Version: 13\r\n" +
			"Origin: http://localhost:8080\r\n" +
			"Sec-WebSocket-Protocol: mqtt\r\n" +
			"Sec-WebSocket-Extensions: permessage-deflate\r\n" +
			"Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n" +
			"DNT: 1\r\n" +
			"Connection: keep-alive, Upgrade\r\n" +
			"Cookie: theme=dark; lang=en\r\n" +
			"Sec-Fetch-Dest: empty\r\n" +
			"Sec-Fetch-Mode: websocket\r\n" +
			"Sec-Fetch-Site: same-origin\r\n" +
			"Pragma: no-cache\r\n" +
			"Cache-Control: no-cache\r\n" +
			"Upgrade: websocket\r\n" +
			"\r\n",
		target: "/socket", host: "localhost:8080", origin: "http://localhost:8080",
		key: "x3JJHMbDL1EzLkh9GBhXDw==", protocols: []string{"mqtt"},
		extensions: []string{"permessage-deflate"},
	},
	{
		name: "curl",
		req: "GET /echo HTTP/1.1\r\n" +
			"Host: 127.0.0.1:18555\r\n" +
			"User-Agent: curl/7.88.1\r\n" +
			"Accept: */*\r\n" +
			"Connection: Upgrade\r\n" +
			"Upgrade: websocket\r\n" +
			"Sec-WebSocket-Version: 13\r\n" +
			"Sec-WebSocket-Key: Y3VybCB3ZWJzb2NrZXQgIQ==\r\n" +
			"\r\n",
		target: "/echo", host: "127.0.0.1:18555", key: "Y3VybCB3ZWJzb2NrZXQgIQ==",
	},
	{
		name: "nodews",
		req: "GET /chat?room=1 HTTP/1.1\r\n" +
			"Cookie: session=abc123; theme=dark\r\n" +
			"Sec-WebSocket-Version: 13\r\n" +
			"Sec-WebSocket-Key: QEPRb0b1mWmL0kBoeT4dOQ==\r\n" +
			"Connection: Upgrade\r\n" +
			"Upgrade: websocket\r\n" +
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
			"Sec-WebSocket-Protocol: chat.v2,chat\r\n" +
			"Host: 127.0.0.1:41699\r\n" +
			"\r\n",
		target: "/chat?room=1", host: "127.0.0.1:41699", key: "QEPRb0b1mWmL0kBoeT4dOQ==",
		protocols:  []string{"chat.v2,chat"},
		extensions: []string{"permessage-deflate; client_max_window_bits"},
	},
	{
		name: "gorilla",
		req: "GET /graphql HTTP/1.1\r\n" +
			"Host: api.example.com:8080\r\n" +
			"User-Agent: Go-http-client/1.1\r\n" +
			"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo\r\n" +
			"Connection: Upgrade\r\n" +
			"Origin: https://app.example.com\r\n" +
			"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n" +
			"Sec-WebSocket-Key: B4ajvrT9w7gKLdSla2LLCw==\r\n" +
			"Sec-WebSocket-Protocol: graphql-ws\r\n" +
			"Sec-WebSocket-Version: 13\r\n" +
			"Upgrade: websocket\r\n" +
			"\r\n",
		target: "/graphql", host: "api.example.com:8080", origin: "https://app.example.com",
		key: "B4ajvrT9w7gKLdSla2LLCw==", protocols: []string{"graphql-ws"},
		extensions: []string{"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
	},
	{
		// The smallest request RFC 6455 §4.2.1 accepts, in absolute-form
		// and with unusual but valid spellings: case, whitespace, lists.
		name: "minimal-absolute",
		req: "GET ws://h/ HTTP/1.1\r\n" +
			"host:h\r\n" +
			"UPGRADE: foo/2,  WebSocket\r\n" +
			"connection:\tclose ,upgrade\t\r\n" +
			"sec-websocket-key:  AAAAAAAAAAAAAAAAAAAAAA==  \r\n" +
			"sec-websocket-version:13\r\n" +
			"\r\n",
		target: "ws://h/", host: "h", key: "AAAAAAAAAAAAAAAAAAAAAA==",
	},
}

// clientFrame is a masked text frame "hi" a client may send right behind
// its request (RFC 6455 §4.1 lets it send data once it has the 101; a
// client that pipelines must have its bytes kept, not lost).
const clientFrame = "\x81\x82\x01\x02\x03\x04\x69\x6b"

// withField inserts a field line after the request line of req.
func withField(req, line string) string {
	i := strings.Index(req, "\r\n") + 2
	return req[:i] + line + "\r\n" + req[i:]
}

// withoutField removes the field lines whose name is name.
func withoutField(req, name string) string {
	lines := strings.SplitAfter(req, "\r\n")
	var b strings.Builder
	for _, l := range lines {
		if i := strings.IndexByte(l, ':'); i > 0 && strings.EqualFold(l[:i], name) {
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

// minimal is the smallest valid request, origin-form.
const minimal = "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
