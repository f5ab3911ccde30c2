package fuzz

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/handshake"
)

// The opening handshake's parsers against net/http, the reference HTTP/1.1
// reader: for any bytes, package handshake and net/http plus the rules of
// RFC 6455 §4.2.1 (server) or §4.1 (client) accept the same messages, end
// them at the same byte and read the same fields.
//
// package handshake is deliberately stricter than net/http in ways its
// documentation lists; the oracle encodes each of them (hsStrictBlock,
// hsStrictRequestLine, hsStrictStatusLine), so that every other difference
// is a finding:
//   - every line ends in CRLF: no bare LF, no bare CR anywhere;
//   - no line of the header section starts with whitespace (obsolete line
//     folding, which net/http joins), and field names are tokens (net/http
//     takes spaces in them);
//   - no control character but HTAB in the start line or a field value;
//   - the request-target is visible ASCII, origin-form or absolute-form
//     (net/http's URL parser is stricter about escapes and looser about
//     the form: the oracle hands it "/" and checks the target itself);
//   - a request has no body (no Transfer-Encoding, Content-Length only
//     "0"), and at most one Host, Origin, Content-Length,
//     Sec-WebSocket-Key and Sec-WebSocket-Version;
//   - the status line is HTTP/1.x, one space, three digits not starting
//     with 0, then nothing or a space (net/http takes several spaces and
//     "+12"), and a 101 needs HTTP/1.1;
//   - a response has no Transfer-Encoding in HTTP/1.0 (net/http ignores
//     it; RFC 9112 §6.1 calls the framing faulty), and a 101 no body: no
//     Transfer-Encoding, Content-Length only "0" (net/http takes any);
//   - every response's Content-Length fields are numbers below 2^63 and
//     agree, whatever the status (Go 1.26's net/http checks them for
//     every status, Go 1.22's skips them for 1xx, 204 and 304);
//   - the limits: 8 KiB of header block, 100 field lines, 8
//     Sec-WebSocket-Protocol or Sec-WebSocket-Extensions lines.

const hsMaxBytes = handshake.DefaultMaxBytes

// hsLine is one field line of a header block the oracle has checked.
type hsLine struct{ name, value string }

// hsFields splits a CRLF header block (start line included) into its field
// lines, with values trimmed as RFC 9112 §5 says.
func hsFields(block string) []hsLine {
	lines := strings.Split(strings.TrimSuffix(block, "\r\n\r\n"), "\r\n")[1:]
	var out []hsLine
	for _, l := range lines {
		name, value, _ := strings.Cut(l, ":")
		out = append(out, hsLine{name, strings.Trim(value, " \t")})
	}
	return out
}

// hsValues returns the values of the fields named name.
func hsValues(fields []hsLine, name string) []string {
	var vs []string
	for _, f := range fields {
		if strings.EqualFold(f.name, name) {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// hsHasToken reports whether any of the comma-separated lists has token.
func hsHasToken(values []string, token string) bool {
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			if strings.EqualFold(strings.Trim(e, " \t"), token) {
				return true
			}
		}
	}
	return false
}

// hsStrictBlock is what package handshake requires of every header block
// beyond net/http: CRLF line ends, no folding, no controls, the limits.
func hsStrictBlock(block string) string {
	if len(block) > hsMaxBytes {
		return "larger than the limit"
	}
	for i := 0; i < len(block); i++ {
		switch c := block[i]; {
		case c == '\n' && (i == 0 || block[i-1] != '\r'):
			return "bare LF"
		case c == '\r' && (i+1 == len(block) || block[i+1] != '\n'):
			return "bare CR"
		case c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7F:
			return "control character"
		}
	}
	lines := strings.Split(block, "\r\n")
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			return "line starts with whitespace"
		}
		if name, _, _ := strings.Cut(l, ":"); !hsToken(name) {
			return "field name not a token"
		}
	}
	if len(lines)-3 > handshake.DefaultMaxFields {
		return "too many fields"
	}
	return ""
}

// hsToken reports whether s is an RFC 9110 token (net/http also takes
// field names with spaces in them).
func hsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// hsRead runs a net/http reader on data and returns how many bytes it
// consumed (the header block: a handshake has no body that it would read).
func hsRead(data []byte, read func(*bufio.Reader) error) (consumed int, err error) {
	r := bytes.NewReader(data)
	br := bufio.NewReader(r)
	err = read(br)
	return len(data) - r.Len() - br.Buffered(), err
}

// hsValidTarget is RFC 9112 §3.2's origin-form or absolute-form, by bytes.
func hsValidTarget(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7F {
			return false
		}
	}
	if strings.HasPrefix(t, "/") {
		return true
	}
	scheme, _, ok := strings.Cut(t, ":")
	if !ok || scheme == "" {
		return false
	}
	for i, c := range scheme {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

func hsValidHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:[]%", c) >= 0) {
			return false
		}
	}
	return true
}

// hsOracleRequest is net/http.ReadRequest plus RFC 6455 §4.2.1 and the
// strictness above. accept says whether the request must be accepted;
// complete whether net/http read a whole request; end where it ends.
func hsOracleRequest(data []byte) (accept, complete bool, end int, target, host, key, why string) {
	// Hand net/http the request with the target "/", so that its URL
	// parser does not decide; the target is checked below.
	line, rest, hasLF := strings.Cut(string(data), "\n")
	parts := strings.SplitN(line, " ", 3)
	sanitized := data
	if hasLF && len(parts) == 3 && parts[1] != "" {
		target = parts[1]
		sanitized = []byte(parts[0] + " / " + parts[2] + "\n" + rest)
	}
	var req *http.Request
	consumed, err := hsRead(sanitized, func(br *bufio.Reader) (err error) {
		req, err = http.ReadRequest(br)
		return err
	})
	if err != nil {
		return false, false, 0, "", "", "", "net/http: " + err.Error()
	}
	end = consumed - len(sanitized) + len(data)
	block := string(data[:end])
	if why := hsStrictBlock(block); why != "" {
		return false, true, end, "", "", "", why
	}
	fields := hsFields(block)
	one := func(name string) (string, bool) {
		vs := hsValues(fields, name)
		if len(vs) != 1 {
			return "", false
		}
		return vs[0], true
	}
	host, hostOK := one("Host")
	key, keyOK := one("Sec-WebSocket-Key")
	version, versionOK := one("Sec-WebSocket-Version")
	switch {
	case !hsValidTarget(target):
		why = "target"
	case req.Method != "GET":
		why = "method"
	case req.ProtoMajor != 1 || req.ProtoMinor < 1:
		why = "version"
	case len(hsValues(fields, "Host")) > 1 || len(hsValues(fields, "Origin")) > 1 ||
		len(hsValues(fields, "Sec-WebSocket-Key")) > 1 || len(hsValues(fields, "Sec-WebSocket-Version")) > 1 ||
		len(hsValues(fields, "Content-Length")) > 1:
		why = "duplicate"
	case len(hsValues(fields, "Transfer-Encoding")) > 0:
		why = "body"
	case len(hsValues(fields, "Content-Length")) == 1 && hsValues(fields, "Content-Length")[0] != "0":
		why = "body"
	case len(hsValues(fields, "Sec-WebSocket-Protocol")) > 8 || len(hsValues(fields, "Sec-WebSocket-Extensions")) > 8:
		why = "too many list fields"
	case !hostOK || !hsValidHost(host):
		why = "Host"
	case !hsHasToken(hsValues(fields, "Upgrade"), "websocket"):
		why = "Upgrade"
	case !hsHasToken(hsValues(fields, "Connection"), "upgrade"):
		why = "Connection"
	case !versionOK || version != "13":
		why = "Sec-WebSocket-Version"
	case !keyOK || !codec.ValidKey(key):
		why = "Sec-WebSocket-Key"
	}
	return why == "", true, end, target, host, key, why
}

// FuzzHandshakeRequest: package handshake's server parser and
// net/http.ReadRequest with RFC 6455 §4.2.1 accept and refuse the same
// requests, end them at the same byte and find the same target, Host and
// key.
func FuzzHandshakeRequest(f *testing.F) {
	for _, s := range hsSeedRequests {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2*hsMaxBytes {
			return
		}
		var r handshake.Request
		n, done, err := r.Feed(data)
		accept, complete, end, target, host, key, why := hsOracleRequest(data)
		switch {
		case done:
			if !accept {
				t.Fatalf("accepted %q; the oracle refuses: %s", data, why)
			}
			if n != end || string(r.Target()) != target || string(r.Host()) != host || string(r.Key()) != key {
				t.Fatalf("%q: n %d target %q host %q key %q; oracle %d %q %q %q", data, n, r.Target(), r.Host(), r.Key(), end, target, host, key)
			}
		case err != nil:
			if accept {
				t.Fatalf("refused %q (%v); the oracle accepts", data, err)
			}
			var e *handshake.Error
			if !errors.As(err, &e) || e.Status() < 400 || e.Status() > 505 {
				t.Fatalf("%q: error %v without an HTTP status", data, err)
			}
		default: // incomplete
			if complete || n != len(data) || len(data) >= hsMaxBytes {
				t.Fatalf("%q: incomplete (took %d), the oracle: complete %v, %s", data, n, complete, why)
			}
		}
	})
}

// hsFuzzKey is the key every fuzzed client sends (RFC 6455 §1.3's
// example), so that a seed can carry the right accept value.
type hsFuzzRandom struct{}

func (hsFuzzRandom) Read(p []byte) (int, error) { return copy(p, "the sample nonce"), nil }

const hsFuzzAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

func hsFuzzClient(deflate bool) *handshake.Client {
	c := &handshake.Client{Host: "h", Protocols: []string{"chat", "superchat"}, Random: hsFuzzRandom{}}
	if deflate {
		c.Deflate = &codec.DeflateParams{ClientMaxWindowBits: 15}
	}
	return c
}

// hsOracleResponse is net/http.ReadResponse plus RFC 6455 §4.1 and the
// strictness above, for a client that offered c's subprotocols and
// deflate offer.
func hsOracleResponse(data []byte, c *handshake.Client) (accept, complete bool, status, end int, protocol, why string) {
	var resp *http.Response
	end, err := hsRead(data, func(br *bufio.Reader) (err error) {
		resp, err = http.ReadResponse(br, nil)
		return err
	})
	if err != nil {
		return false, false, 0, 0, "", "net/http: " + err.Error()
	}
	block := string(data[:end])
	if why := hsStrictBlock(block); why != "" {
		return false, true, 0, end, "", why
	}
	line, _, _ := strings.Cut(block, "\r\n")
	if len(line) < 12 || line[:7] != "HTTP/1." || line[7] < '0' || line[7] > '9' || line[8] != ' ' ||
		line[9] < '1' || line[9] > '9' || line[10] < '0' || line[10] > '9' || line[11] < '0' || line[11] > '9' ||
		len(line) > 12 && line[12] != ' ' {
		return false, true, 0, end, "", "status line"
	}
	fields := hsFields(block)
	if resp.ProtoMinor < 1 && len(hsValues(fields, "Transfer-Encoding")) > 0 {
		return false, true, 0, end, "", "Transfer-Encoding in HTTP/1.0"
	}
	if lengths := hsValues(fields, "Content-Length"); len(lengths) > 0 {
		if _, err := strconv.ParseUint(lengths[0], 10, 63); err != nil || !hsAll(lengths, lengths[0]) {
			return false, true, 0, end, "", "Content-Length"
		}
	}
	status = resp.StatusCode
	if status != 101 {
		return false, true, status, end, "", "status"
	}
	if len(hsValues(fields, "Transfer-Encoding")) > 0 || !hsAll(hsValues(fields, "Content-Length"), "0") {
		return false, true, status, end, "", "a 101 with a body"
	}
	upgrades := hsValues(fields, "Upgrade")
	accepts := hsValues(fields, "Sec-WebSocket-Accept")
	protocols := hsValues(fields, "Sec-WebSocket-Protocol")
	exts := hsValues(fields, "Sec-WebSocket-Extensions")
	switch {
	case resp.ProtoMinor < 1:
		why = "101 in HTTP/1.0"
	case len(upgrades) != 1 || !strings.EqualFold(upgrades[0], "websocket"):
		why = "Upgrade"
	case !hsHasToken(hsValues(fields, "Connection"), "upgrade"):
		why = "Connection"
	case len(accepts) != 1 || accepts[0] != hsFuzzAccept:
		why = "Sec-WebSocket-Accept"
	case len(exts) > 8:
		why = "too many extension fields"
	}
	if why != "" {
		return false, true, status, end, "", why
	}
	if c.Deflate != nil {
		if _, _, err := codec.AcceptDeflateResponse(exts, *c.Deflate); err != nil {
			return false, true, status, end, "", "extensions: " + err.Error()
		}
	} else if strings.Trim(strings.Join(exts, ""), ", \t") != "" {
		return false, true, status, end, "", "extension not offered"
	}
	if len(protocols) > 1 {
		return false, true, status, end, "", "two subprotocols"
	}
	if len(protocols) == 1 {
		protocol = protocols[0]
		offered := false
		for _, p := range c.Protocols {
			offered = offered || p == protocol
		}
		if !offered {
			return false, true, status, end, "", "subprotocol not offered"
		}
	}
	return true, true, status, end, protocol, ""
}

// FuzzHandshakeResponse: package handshake's client parser and
// net/http.ReadResponse with RFC 6455 §4.1 accept the same 101s, see the
// same other statuses (as *StatusError, consuming the same bytes), and
// fail the others.
func FuzzHandshakeResponse(f *testing.F) {
	for _, s := range hsSeedResponses {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, deflate bool) {
		if len(data) > 2*hsMaxBytes {
			return
		}
		c := hsFuzzClient(deflate)
		if _, err := c.AppendRequest(nil); err != nil {
			t.Fatal(err)
		}
		n, done, err := c.Feed(data)
		accept, complete, status, end, protocol, why := hsOracleResponse(data, c)
		var se *handshake.StatusError
		switch {
		case done:
			if !accept || n != end || c.Protocol() != protocol || c.Status() != 101 {
				t.Fatalf("accepted %q (n %d, %q); the oracle: %v %d %q %s", data, n, c.Protocol(), accept, end, protocol, why)
			}
		case errors.As(err, &se):
			if why != "status" || se.Code != status || n != end || c.Status() != status {
				t.Fatalf("%q: status %d after %d bytes; the oracle: %d after %d, %s", data, se.Code, n, status, end, why)
			}
		case err != nil:
			if accept || why == "status" {
				t.Fatalf("failed %q (%v); the oracle: accept %v, %s", data, err, accept, why)
			}
		default:
			if complete || n != len(data) || len(data) >= hsMaxBytes {
				t.Fatalf("%q: incomplete (took %d); the oracle: complete %v, %s", data, n, complete, why)
			}
		}
	})
}

// hsOutcome is everything a parser reports, for comparing chunkings.
type hsOutcome struct {
	err                  error
	status               int
	done                 bool
	end                  int
	target, host, key    string
	protocols, exts      string
	cookie, protocol     string
	negotiated           bool
	agreed               codec.DeflateParams
	fieldCount, location int
}

// hsFeed feeds data to a fresh parser in pieces whose lengths come from
// cuts (cycled; 0 means the rest), checking Feed's contract.
func hsFeed(t *testing.T, data, cuts []byte, client, deflate bool) hsOutcome {
	var r handshake.Request
	c := hsFuzzClient(deflate)
	c.AppendRequest(nil)
	feed := r.Feed
	if client {
		feed = c.Feed
	}
	var o hsOutcome
	off := 0
	for i := 0; ; i++ {
		chunk := data[off:]
		if len(cuts) > 0 && int(cuts[i%len(cuts)]) < len(chunk) && cuts[i%len(cuts)] != 0 {
			chunk = chunk[:cuts[i%len(cuts)]]
		}
		n, done, err := feed(chunk)
		if n < 0 || n > len(chunk) {
			t.Fatalf("took %d of %d", n, len(chunk))
		}
		off += n
		if err != nil || done {
			o.err, o.done, o.end = err, done, off
			break
		}
		if n != len(chunk) {
			t.Fatalf("incomplete, took %d of %d", n, len(chunk))
		}
		if off == len(data) {
			break
		}
	}
	var se *handshake.StatusError
	if errors.As(o.err, &se) {
		o.status, o.err = se.Code, nil // a new value each time; compare the code
	} else if o.err != nil {
		o.end = 0 // where a failure is found depends on the chunking
	}
	if client {
		o.protocol = c.Protocol()
		o.agreed, o.negotiated = c.Negotiated()
		o.status = c.Status()
		loc, _ := c.Header("Location")
		o.location = len(loc)
		c.Fields(func(name, value []byte) bool { o.fieldCount++; return true })
		return o
	}
	o.target, o.host, o.key = string(r.Target()), string(r.Host()), string(r.Key())
	o.protocols = string(bytes.Join(r.Protocols(), []byte("|")))
	o.exts = string(bytes.Join(r.Extensions(), []byte("|")))
	cookie, _ := r.Header("Cookie")
	o.cookie = string(cookie)
	r.Fields(func(name, value []byte) bool { o.fieldCount++; return true })
	return o
}

// FuzzHandshakeChunking: both parsers give the same result, whatever the
// chunking: the same error, or done at the same byte with the same
// fields, as the whole input in one call and one byte at a time.
func FuzzHandshakeChunking(f *testing.F) {
	for i, s := range hsSeedRequests {
		f.Add([]byte(s), []byte{byte(i + 1), 7, 0}, false)
	}
	for i, s := range hsSeedResponses {
		f.Add([]byte(s), []byte{byte(2*i + 3), 1}, true)
	}
	f.Fuzz(func(t *testing.T, data, cuts []byte, client bool) {
		if len(data) > 2*hsMaxBytes {
			return
		}
		deflate := len(cuts)%2 == 0
		whole := hsFeed(t, data, nil, client, deflate)
		if got := hsFeed(t, data, cuts, client, deflate); got != whole {
			t.Fatalf("%q cut %v: %+v\nwhole: %+v", data, cuts, got, whole)
		}
		if len(data) <= 1024 {
			if got := hsFeed(t, data, []byte{1}, client, deflate); got != whole {
				t.Fatalf("%q bytewise: %+v\nwhole: %+v", data, got, whole)
			}
		}
	})
}

// Seeds: real requests and responses, and one of each kind of refusal.
var hsSeedRequests = []string{
	// Chrome
	"GET /chat?room=lobby HTTP/1.1\r\nHost: chat.example.com\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n" +
		"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n" +
		"Upgrade: websocket\r\nOrigin: https://chat.example.com\r\nSec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n" +
		"Accept-Language: en-US,en;q=0.9\r\nCookie: sessionid=k3v9x0p2m7q1w8e4r6t5y\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n\x81\x82\x01\x02\x03\x04\x69\x6b",
	// Firefox
	"GET /socket HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\n" +
		"Accept: */*\r\nSec-WebSocket-Version: 13\r\nOrigin: http://localhost:8080\r\nSec-WebSocket-Protocol: mqtt\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n" +
		"Connection: keep-alive, Upgrade\r\nCookie: theme=dark\r\nUpgrade: websocket\r\n\r\n",
	// Node ws
	"GET /chat?room=1 HTTP/1.1\r\nCookie: session=abc123\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: QEPRb0b1mWmL0kBoeT4dOQ==\r\n" +
		"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
		"Sec-WebSocket-Protocol: chat.v2,chat\r\nHost: 127.0.0.1:41699\r\n\r\n",
	// absolute-form, odd spellings
	"GET ws://h/ HTTP/1.1\r\nhost:h\r\nUPGRADE: foo/2,  WebSocket\r\nconnection:\tclose ,upgrade\t\r\n" +
		"sec-websocket-key:  AAAAAAAAAAAAAAAAAAAAAA==  \r\nsec-websocket-version:13\r\nContent-Length: 0\r\n\r\n",
	// refusals
	"POST / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
	"GET / HTTP/1.0\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade,\r\n upgrade\r\nSec-WebSocket-Key: SGVsbG8sIHdvcmxkIQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
	"GET / HTTP/1.1\nHost: h\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n",
	"GET /%zz HTTP/1.1\r\nHost: h\r\nX-Nul: a\x00b\r\nUpgrade: websocket\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: h\r\nUpgr",
}

// hsAll reports whether every one of vs is v.
func hsAll(vs []string, v string) bool {
	for _, x := range vs {
		if x != v {
			return false
		}
	}
	return true
}

var hsSeedResponses = []string{
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + hsFuzzAccept + "\r\n" +
		"Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=12\r\n\r\n\x81\x02hi",
	"HTTP/1.1 101\r\nupgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\nsec-websocket-accept:" + hsFuzzAccept + "\r\nServer: x\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOp=\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + hsFuzzAccept + "\r\nSec-WebSocket-Protocol: other\r\n\r\n",
	"HTTP/1.1 302 Found\r\nLocation: wss://example.com/x\r\nContent-Length: 5\r\n\r\nmoved",
	"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"ws\"\r\n\r\n",
	"HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + hsFuzzAccept + "\r\n\r\n",
	"HTTP/1.1  101 x\r\n\r\n",
	"HTTP/1.1 +12 x\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n",
	// Body framing (RFC 9112 §6): fine, then each way to get it wrong.
	"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\nTrailer: Expires\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
	"HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\nContent-Length: 03\r\n\r\n",
	"HTTP/1.1 403 Forbidden\r\nContent-Length: 9223372036854775808\r\n\r\n",
	"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\nTrailer: x, Content-Length\r\n\r\n",
	"HTTP/1.0 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + hsFuzzAccept + "\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + hsFuzzAccept + "\r\nTransfer-Encoding: chunked\r\n\r\n",
}
