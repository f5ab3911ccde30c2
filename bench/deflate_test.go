package bench

import (
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/lxzan/gws"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
	"github.com/wsframe/wsframe/utf8valid"
)

// permessage-deflate benchmarks (RFC 7692): wsframe's pmdeflate with codec
// framing against the compression paths of gorilla/websocket and lxzan/gws,
// driven through their server connections over an in-memory net.Conn, so
// that what is measured is the work a server does per message and not the
// loopback network.
//
//	BenchmarkDeflateCompress          one text message written, compressed
//	BenchmarkDeflateDecompress        one compressed masked client frame read
//	BenchmarkDeflateCompressTakeover  the same with context takeover,
//	BenchmarkDeflateDecompressTakeover  over a sequence of different messages
//	BenchmarkDeflateSmallFramesTakeover small messages read after a large one
//	BenchmarkDeflateIdleConn          heap held per idle connection
//
// Every stack compresses at flate.BestSpeed. wsframe and gorilla use the
// standard library's compress/flate; gws uses github.com/klauspost/compress
// (faster at BestSpeed, so the comparison is of whole stacks, compressor
// included). gorilla has no context takeover, so it is absent from the
// takeover benchmarks. The messages are JSON-like text (jsonText), the same
// bytes for every stack.
//
//	go test -run '^$' -bench 'Deflate(Compress|Decompress)' -count 10 . | tee deflate.txt
//	go test -run '^$' -bench 'DeflateIdleConn' -benchtime 3x -count 5 . | tee -a deflate.txt
//	benchstat -col /impl deflate.txt

var deflateSizes = []int{125, 1 << 10, 16 << 10, 1 << 20}

// deflateMax is every stack's limit on a message's size, far above the
// largest message sent.
const deflateMax = 64 << 20

// takeoverMsgs is how many different messages the takeover benchmarks
// cycle through, so that each message refers back to a different one.
const takeoverMsgs = 8

// jsonText returns n bytes of JSON-like text: an array of event records with
// repeated keys and varying numbers, names (some not ASCII) and flags, the
// kind of traffic compression is used for. It depends only on n and seed,
// and it is valid UTF-8.
func jsonText(n int, seed uint64) []byte {
	x := seed*0x9e3779b97f4a7c15 + 0x632be59bd9b4e019
	next := func() uint64 { // xorshift64
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return x
	}
	users := []string{"alice", "bob", "carol", "dmitri", "zoë", "jürgen", "mei", "søren", "ana_maria", "o'brien"}
	events := []string{"page_view", "click", "add_to_cart", "purchase", "login", "logout", "search"}
	pages := []string{"/", "/products", "/products/42", "/cart", "/checkout", "/search?q=shoes", "/account/settings"}
	b := make([]byte, 0, n+512)
	b = append(b, '[')
	for len(b) < n {
		r := next()
		if len(b) > 1 {
			b = append(b, ',', '\n')
		}
		b = append(b, `{"id":`...)
		b = strconv.AppendUint(b, 100000+r%900000, 10)
		b = append(b, `,"ts":`...)
		b = strconv.AppendUint(b, 1700000000+r>>20%10000000, 10)
		b = append(b, `,"user":"`...)
		b = append(b, users[r>>8%uint64(len(users))]...)
		b = append(b, `","event":"`...)
		b = append(b, events[r>>12%uint64(len(events))]...)
		b = append(b, `","page":"`...)
		b = append(b, pages[r>>16%uint64(len(pages))]...)
		b = append(b, `","price":`...)
		b = strconv.AppendFloat(b, float64(next()%100000)/100, 'f', 2, 64)
		b = append(b, `,"qty":`...)
		b = strconv.AppendUint(b, 1+r>>40%9, 10)
		b = append(b, `,"session":"`...)
		b = strconv.AppendUint(b, next(), 36)
		b = append(b, `","ok":`...)
		b = strconv.AppendBool(b, r>>50&3 != 0)
		b = append(b, '}')
	}
	b = b[:n]
	// Cutting may have split a character: blank its leading bytes.
	for i := n - 1; !utf8.Valid(b); i-- {
		b[i] = ' '
	}
	return b
}

// memConn is an in-memory net.Conn. Reads replay frames in order and
// cyclically, one frame (or the part of it that fits) per Read, as a socket
// does when each message waits for its answer; after left frames Read says
// io.EOF or, with hold, blocks until Close (an idle connection). Writes are
// discarded, or kept with record.
type memConn struct {
	frames [][]byte
	i, off int
	left   int
	hold   bool

	record  bool
	written []byte

	once   sync.Once
	closed chan struct{}
}

func newMemConn(frames [][]byte, left int) *memConn {
	return &memConn{frames: frames, left: left, closed: make(chan struct{})}
}

func (c *memConn) Read(p []byte) (int, error) {
	if c.left == 0 || len(c.frames) == 0 {
		if c.hold {
			<-c.closed
		}
		return 0, io.EOF
	}
	f := c.frames[c.i]
	n := copy(p, f[c.off:])
	c.off += n
	if c.off == len(f) {
		c.off = 0
		c.i = (c.i + 1) % len(c.frames)
		c.left--
	}
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	if c.record {
		c.written = append(c.written, p...)
	}
	return len(p), nil
}

func (c *memConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

var memAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

func (c *memConn) LocalAddr() net.Addr                { return memAddr }
func (c *memConn) RemoteAddr() net.Addr               { return memAddr }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

// upgradeRequest is a client's opening handshake offering ext ("" offers
// no extension).
func upgradeRequest(ext string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Set("Sec-WebSocket-Key", deflateKey)
	if ext != "" {
		r.Header.Set("Sec-WebSocket-Extensions", ext)
	}
	return r
}

// deflateKey is the Sec-WebSocket-Key of every handshake here (RFC 6455 §1.3's).
const deflateKey = "dGhlIHNhbXBsZSBub25jZQ=="

// The offers a browser makes: with context takeover in both directions
// (the RFC's default), or asking for none.
const (
	offerTakeover   = "permessage-deflate; client_max_window_bits"
	offerNoTakeover = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
)

// hijacker hands gorilla's Upgrader the memConn, as net/http would hand it
// the TCP connection.
type hijacker struct {
	nc net.Conn
	h  http.Header
}

func (w *hijacker) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *hijacker) Write(p []byte) (int, error) { return len(p), nil }
func (w *hijacker) WriteHeader(int)             {}
func (w *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.nc, bufio.NewReadWriter(bufio.NewReader(w.nc), bufio.NewWriter(w.nc)), nil
}

// gorillaServer returns gorilla's server connection over nc, with
// permessage-deflate negotiated (gorilla supports only no context takeover)
// and compressing its writes at BestSpeed, or with no extension.
func gorillaServer(tb testing.TB, nc net.Conn, compress bool) *websocket.Conn {
	u := websocket.Upgrader{
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
		EnableCompression: compress,
		CheckOrigin:       func(*http.Request) bool { return true },
	}
	offer := ""
	if compress {
		offer = offerNoTakeover
	}
	c, err := u.Upgrade(&hijacker{nc: nc}, upgradeRequest(offer), nil)
	if err != nil {
		tb.Fatal(err)
	}
	c.SetReadLimit(deflateMax)
	c.EnableWriteCompression(compress)
	if err := c.SetCompressionLevel(flate.BestSpeed); err != nil {
		tb.Fatal(err)
	}
	return c
}

// gwsHandlerFunc is a gws event handler that passes each message to its
// function.
type gwsHandlerFunc struct {
	gws.BuiltinEventHandler
	onMessage func(*gws.Conn, *gws.Message)
}

func (h gwsHandlerFunc) OnMessage(c *gws.Conn, m *gws.Message) { h.onMessage(c, m) }

// gwsUpgrader returns a gws Upgrader that negotiates permessage-deflate at
// BestSpeed with a 32 KiB window and compresses every message (Threshold 1:
// gws reads 0 as its default, 512), with or without context takeover in both
// directions; or, without compress, no extension. checkUTF8 turns on gws's
// validation of text messages, which it applies when reading and writing.
func gwsUpgrader(compress, takeover, checkUTF8 bool, onMessage func(*gws.Conn, *gws.Message)) *gws.Upgrader {
	return gws.NewUpgrader(gwsHandlerFunc{onMessage: onMessage}, &gws.ServerOption{
		ReadMaxPayloadSize:  deflateMax,
		WriteMaxPayloadSize: deflateMax,
		CheckUtf8Enabled:    checkUTF8,
		PermessageDeflate: gws.PermessageDeflate{
			Enabled:               compress,
			Level:                 flate.BestSpeed,
			Threshold:             1,
			ServerContextTakeover: takeover,
			ClientContextTakeover: takeover,
			ServerMaxWindowBits:   15,
			ClientMaxWindowBits:   15,
		},
	})
}

// gwsServer returns u's server connection over nc, its handshake answered.
func gwsServer(tb testing.TB, u *gws.Upgrader, nc net.Conn, offer string) *gws.Conn {
	c, err := u.UpgradeFromConn(nc, bufio.NewReaderSize(nc, 4096), upgradeRequest(offer))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func offerFor(takeover bool) string {
	if takeover {
		return offerTakeover
	}
	return offerNoTakeover
}

// clientFrames compresses msgs in order, as a client with (or without)
// context takeover, into one masked text frame each.
func clientFrames(tb testing.TB, msgs [][]byte, takeover bool) [][]byte {
	comp, err := pmdeflate.NewCompressor(pmdeflate.CompressorConfig{ContextTakeover: takeover})
	if err != nil {
		tb.Fatal(err)
	}
	snd := codec.NewSender(codec.RoleClient, nil)
	frames := make([][]byte, len(msgs))
	for i, m := range msgs {
		payload, err := comp.AppendMessage(nil, m)
		if err != nil {
			tb.Fatal(err)
		}
		frames[i], err = snd.AppendFrame(nil, codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpText}, payload)
		if err != nil {
			tb.Fatal(err)
		}
	}
	return frames
}

// takeoverTexts returns the different messages of size n that the
// takeover benchmarks cycle through.
func takeoverTexts(n, count int) [][]byte {
	msgs := make([][]byte, count)
	for i := range msgs {
		msgs[i] = jsonText(n, uint64(i+1))
	}
	return msgs
}

// wsframeWriter is the sending half of a server with permessage-deflate:
// compress the message into a reused payload buffer, frame it with Rsv1 into
// a reused frame buffer, write the frame.
type wsframeWriter struct {
	comp           pmdeflate.Compressor
	snd            codec.Sender
	payload, frame []byte
}

func (w *wsframeWriter) write(nc net.Conn, msg []byte) error {
	var err error
	if w.payload, err = w.comp.AppendMessage(w.payload[:0], msg); err != nil {
		return err
	}
	h := codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpText}
	if w.frame, err = w.snd.AppendFrame(w.frame[:0], h, w.payload); err != nil {
		return err
	}
	_, err = nc.Write(w.frame)
	return err
}

// wsframeReader is the receiving half of a server with permessage-deflate:
// read into a buffer (32 KiB, as internal/echo's), run the bytes through the
// Receiver, inflate compressed payloads into a reused message buffer as they
// arrive and validate text messages as UTF-8 once inflated (the Receiver
// cannot: it sees compressed bytes).
type wsframeReader struct {
	rcv  codec.Receiver
	dec  pmdeflate.Decompressor
	buf  []byte
	rest []byte
	msg  []byte
}

func newWsframeReader(takeover bool) *wsframeReader {
	r := &wsframeReader{buf: make([]byte, 32<<10)}
	r.rcv.Reset(codec.Config{RsvMessage: codec.Rsv1, MaxMessageSize: deflateMax})
	r.dec.Reset(pmdeflate.DecompressorConfig{ContextTakeover: takeover, MaxMessageSize: deflateMax})
	return r
}

// next reads the next data message from nc and returns it, valid until the
// next call.
func (r *wsframeReader) next(nc net.Conn) (codec.Opcode, []byte, error) {
	r.msg = r.msg[:0]
	for {
		ev, n, err := r.rcv.Next(r.rest)
		r.rest = r.rest[n:]
		if err != nil {
			return 0, nil, err
		}
		switch ev.Kind {
		case codec.EventHeader:
			continue
		case codec.EventPayload:
			if !r.rcv.Compressed() {
				r.msg = append(r.msg, ev.Payload...)
				continue
			}
			// The payload that ends the message's last frame ends the
			// compressed stream: inflating it as final spares the
			// decompressor holding it back for a later call.
			if r.msg, err = r.dec.AppendInflate(r.msg, ev.Payload, ev.End); err != nil {
				return 0, nil, err
			}
			continue
		case codec.EventMessageEnd:
			if ev.Message == codec.OpText && r.rcv.Compressed() && !utf8valid.Valid(r.msg) {
				return 0, nil, fmt.Errorf("invalid UTF-8 in a compressed text message (close %d)", 1007)
			}
			return ev.Message, r.msg, nil
		case codec.EventControl:
			return 0, nil, fmt.Errorf("unexpected %v frame", ev.Message)
		}
		m, err := nc.Read(r.buf)
		if err != nil {
			return 0, nil, err
		}
		r.rest = r.buf[:m]
	}
}

// BenchmarkDeflateCompress: one text message through each stack's
// compressing write path into a discarding connection. gws is told not to
// validate what it sends, as the others do not.
func BenchmarkDeflateCompress(b *testing.B) {
	for _, impl := range []string{"wsframe", "gorilla", "gws"} {
		for _, size := range deflateSizes {
			msg := jsonText(size, 1)
			b.Run(fmt.Sprintf("impl=%s/size=%d", impl, size), func(b *testing.B) {
				benchCompress(b, impl, [][]byte{msg}, false)
			})
		}
	}
}

// BenchmarkDeflateCompressTakeover: as BenchmarkDeflateCompress, with
// context takeover, cycling through different messages.
func BenchmarkDeflateCompressTakeover(b *testing.B) {
	for _, impl := range []string{"wsframe", "gws"} {
		for _, size := range deflateSizes {
			msgs := takeoverTexts(size, takeoverMsgs)
			b.Run(fmt.Sprintf("impl=%s/size=%d", impl, size), func(b *testing.B) {
				benchCompress(b, impl, msgs, true)
			})
		}
	}
}

func benchCompress(b *testing.B, impl string, msgs [][]byte, takeover bool) {
	nc := newMemConn(nil, 0)
	var write func(msg []byte) error
	switch impl {
	case "wsframe":
		w := new(wsframeWriter)
		if err := w.comp.Reset(pmdeflate.CompressorConfig{Level: flate.BestSpeed, ContextTakeover: takeover}); err != nil {
			b.Fatal(err)
		}
		write = func(msg []byte) error { return w.write(nc, msg) }
	case "gorilla":
		c := gorillaServer(b, nc, true)
		write = func(msg []byte) error { return c.WriteMessage(websocket.TextMessage, msg) }
	case "gws":
		u := gwsUpgrader(true, takeover, false, func(*gws.Conn, *gws.Message) {})
		c := gwsServer(b, u, nc, offerFor(takeover))
		write = func(msg []byte) error { return c.WriteMessage(gws.OpcodeText, msg) }
	}
	// One round first, so that pools and buffers are warm.
	for _, m := range msgs {
		if err := write(m); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(msgs[0])))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := write(msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeflateDecompress: each stack reads a compressed, masked client
// text frame (built once by pmdeflate at BestSpeed, the same bytes for all)
// from a connection that replays it, and returns the inflated message,
// validated as UTF-8 by every stack: wsframe with utf8valid, gws itself
// (CheckUtf8Enabled), gorilla (which does not validate) with unicode/utf8
// after reading, as its documentation leaves to the application. gorilla
// reads through NextReader into a reused buffer, its cheapest way to read
// a message; gws hands each message to its handler in a pooled buffer.
func BenchmarkDeflateDecompress(b *testing.B) {
	for _, impl := range []string{"wsframe", "gorilla", "gws"} {
		for _, size := range deflateSizes {
			frames := clientFrames(b, [][]byte{jsonText(size, 1)}, false)
			b.Run(fmt.Sprintf("impl=%s/size=%d", impl, size), func(b *testing.B) {
				benchDecompress(b, impl, frames, size, false)
			})
		}
	}
}

// BenchmarkDeflateDecompressTakeover: as BenchmarkDeflateDecompress, with
// context takeover, over a sequence of different messages. Replaying the
// sequence from its start again is sound: the first message was compressed
// with no history and so refers to none.
func BenchmarkDeflateDecompressTakeover(b *testing.B) {
	for _, impl := range []string{"wsframe", "gws"} {
		for _, size := range deflateSizes {
			frames := clientFrames(b, takeoverTexts(size, takeoverMsgs), true)
			b.Run(fmt.Sprintf("impl=%s/size=%d", impl, size), func(b *testing.B) {
				benchDecompress(b, impl, frames, size, true)
			})
		}
	}
}

// smallFramesMsgs is how many different small messages
// BenchmarkDeflateSmallFramesTakeover reads after each large one.
const smallFramesMsgs = 4096

// BenchmarkDeflateSmallFramesTakeover: a stream of small compressed masked
// client text frames with context takeover, read through the receive path
// of BenchmarkDeflateDecompress, after a 64 KiB message has filled the
// decompressor's 32 KiB history: what reading a small message costs when
// the history is long (it should cost the message's size, not the
// history's). The large message starts each round of the sequence, which
// replays soundly as it refers to no history; reading it is not timed.
func BenchmarkDeflateSmallFramesTakeover(b *testing.B) {
	for _, size := range []int{16, 125, 1 << 10} {
		msgs := append([][]byte{jsonText(64<<10, 99)}, takeoverTexts(size, smallFramesMsgs)...)
		frames := clientFrames(b, msgs, true)
		b.Run(fmt.Sprintf("impl=wsframe/size=%d", size), func(b *testing.B) {
			nc := newMemConn(frames, len(frames)+b.N+b.N/smallFramesMsgs+1)
			r := newWsframeReader(true)
			read := func(want int) {
				op, msg, err := r.next(nc)
				if err != nil || op != codec.OpText || len(msg) != want {
					b.Fatalf("%v, %d bytes (want %d), %v", op, len(msg), want, err)
				}
			}
			for _, m := range msgs { // a warm-up round
				read(len(m))
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%smallFramesMsgs == 0 {
					b.StopTimer()
					read(len(msgs[0]))
					b.StartTimer()
				}
				read(size)
			}
		})
	}
}

func benchDecompress(b *testing.B, impl string, frames [][]byte, size int, takeover bool) {
	// A warm-up round of every frame, then b.N frames.
	nc := newMemConn(frames, len(frames)+b.N)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	check := func(n int) {
		if n != size {
			b.Fatalf("read a message of %d bytes, sent %d", n, size)
		}
	}
	switch impl {
	case "wsframe":
		r := newWsframeReader(takeover)
		read := func() {
			op, msg, err := r.next(nc)
			if err != nil || op != codec.OpText {
				b.Fatal(op, err)
			}
			check(len(msg))
		}
		for range frames {
			read()
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			read()
		}
	case "gorilla":
		c := gorillaServer(b, nc, true)
		var buf bytes.Buffer
		read := func() {
			op, rd, err := c.NextReader()
			if err != nil || op != websocket.TextMessage {
				b.Fatal(op, err)
			}
			buf.Reset()
			if _, err := buf.ReadFrom(rd); err != nil {
				b.Fatal(err)
			}
			if !utf8.Valid(buf.Bytes()) {
				b.Fatal("invalid UTF-8")
			}
			check(buf.Len())
		}
		for range frames {
			read()
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			read()
		}
	case "gws":
		// ReadLoop reads until the connection runs out of frames; the
		// handler counts, so that the warm-up round can be left out of the
		// timing when it ends.
		got := 0
		u := gwsUpgrader(true, takeover, true, func(_ *gws.Conn, m *gws.Message) {
			check(len(m.Bytes()))
			m.Close()
			if got++; got == len(frames) {
				b.ResetTimer()
			}
		})
		c := gwsServer(b, u, nc, offerFor(takeover))
		c.ReadLoop()
		if got != len(frames)+b.N {
			b.Fatalf("gws read %d messages of %d", got, len(frames)+b.N)
		}
	}
}

// BenchmarkDeflateIdleConn: the heap that a server connection holds once it
// has received one compressed 1 KiB message and sent one, and is idle, after
// garbage collection, per connection (B/conn), over idleConns connections
// built over in-memory connections in this process (after as many more, so
// that state a stack builds on first use and then shares is not counted). deflate-B/conn is that
// less the same connection without the extension: what compression costs an
// idle connection. shared-B is what a stack allocates once for all its
// connections (gws's fixed pool of compressors, made by NewUpgrader; the
// others pool in sync.Pools, which garbage collection empties). Goroutine
// stacks are not counted: gws's connections each have one blocked in
// ReadLoop, the others none here.
//
// wsframe's connection here is what a server built on codec and pmdeflate
// keeps per connection (the deflate part of internal/echo's Conn): a
// Receiver, a Sender, a Compressor and a Decompressor; the read buffer is
// shared, as internal/echo pools it. With context takeover negotiated,
// wsframe keeps the peer's context (32 KiB of history in a 64 KiB buffer)
// and compresses without its own, echo's default; wsframe-ctx keeps its own
// too, a compress/flate writer per connection.
func BenchmarkDeflateIdleConn(b *testing.B) {
	for _, impl := range []string{"wsframe", "wsframe-ctx", "gorilla", "gws"} {
		for _, takeover := range []bool{false, true} {
			if impl == "gorilla" && takeover {
				continue // gorilla cannot keep a context
			}
			if impl == "wsframe-ctx" && !takeover {
				continue // the same as wsframe
			}
			b.Run(fmt.Sprintf("impl=%s/takeover=%v", impl, takeover), func(b *testing.B) {
				var perConn, plain, shared float64
				for i := 0; i < b.N; i++ {
					perConn, shared = idleHeap(b, impl, true, takeover)
					plain, _ = idleHeap(b, impl, false, false)
				}
				b.ReportMetric(perConn, "B/conn")
				b.ReportMetric(perConn-plain, "deflate-B/conn")
				b.ReportMetric(shared, "shared-B")
			})
		}
	}
}

const idleConns = 200

// liveHeap returns the bytes of live heap objects after collecting garbage
// twice, the second time to empty the sync.Pools' victim caches.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// idleHeap builds two batches of idleConns idle connections of impl and
// returns the heap that the second batch holds per connection, and the heap
// the stack allocated once for all: before the first connection, or on
// first use during the first batch (gws's pooled compressors build their
// state when first used).
func idleHeap(b *testing.B, impl string, compress, takeover bool) (perConn, shared float64) {
	msg := jsonText(1<<10, 7)
	var frame []byte
	if compress {
		frame = clientFrames(b, [][]byte{msg}, takeover)[0]
	} else {
		var err error
		frame, err = codec.NewSender(codec.RoleClient, nil).AppendFrame(nil, codec.Header{Fin: true, Opcode: codec.OpText}, msg)
		if err != nil {
			b.Fatal(err)
		}
	}
	frames := [][]byte{frame}
	offer := ""
	if compress {
		offer = offerFor(takeover)
	}

	start := liveHeap()
	var (
		u       *gws.Upgrader
		wg      sync.WaitGroup
		replied = make(chan error, 1)
		readBuf []byte
	)
	switch impl {
	case "wsframe", "wsframe-ctx":
		readBuf = make([]byte, 32<<10) // shared, as internal/echo pools it
	case "gws":
		u = gwsUpgrader(compress, takeover, true, func(c *gws.Conn, m *gws.Message) {
			err := c.WriteMessage(gws.OpcodeText, m.Bytes())
			m.Close()
			replied <- err
		})
	}
	conns := make([]any, 2*idleConns)
	ncs := make([]*memConn, 2*idleConns)
	var afterFirst uint64
	for i := range conns {
		if i == idleConns {
			afterFirst = liveHeap()
		}
		nc := newMemConn(frames, 1)
		nc.hold = true
		ncs[i] = nc
		switch impl {
		case "wsframe", "wsframe-ctx":
			type conn struct {
				nc net.Conn
				r  *wsframeReader
				w  *wsframeWriter
			}
			r := newWsframeReader(takeover)
			r.buf = readBuf
			w := new(wsframeWriter)
			// Keeping the compressor's own context is the caller's
			// choice (internal/echo's CompressTakeover, off by default):
			// wsframe keeps only the context it must, the peer's, for
			// inflating; wsframe-ctx keeps a compress/flate writer too.
			if err := w.comp.Reset(pmdeflate.CompressorConfig{ContextTakeover: takeover && impl == "wsframe-ctx"}); err != nil {
				b.Fatal(err)
			}
			_, got, err := r.next(nc)
			if err != nil {
				b.Fatal(err)
			}
			if compress {
				err = w.write(nc, got)
			} else {
				w.frame, err = w.snd.AppendFrame(w.frame[:0], codec.Header{Fin: true, Opcode: codec.OpText}, got)
				if err == nil {
					_, err = nc.Write(w.frame)
				}
			}
			if err != nil {
				b.Fatal(err)
			}
			// Idle: the message and frame buffers are given up between
			// messages, as internal/echo gives up its buffers.
			r.buf, r.rest, r.msg = nil, nil, nil
			w.payload, w.frame = nil, nil
			conns[i] = &conn{nc: nc, r: r, w: w}
		case "gorilla":
			c := gorillaServer(b, nc, compress)
			op, got, err := c.ReadMessage()
			if err == nil {
				err = c.WriteMessage(op, got)
			}
			if err != nil {
				b.Fatal(err)
			}
			conns[i] = c
		case "gws":
			c := gwsServer(b, u, nc, offer)
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.ReadLoop()
			}()
			if err := <-replied; err != nil {
				b.Fatal(err)
			}
			conns[i] = c
		}
	}
	end := liveHeap()
	runtime.KeepAlive(conns)
	runtime.KeepAlive(u)
	for _, nc := range ncs {
		nc.Close()
	}
	wg.Wait()
	perConn = (float64(end) - float64(afterFirst)) / idleConns
	return perConn, float64(afterFirst) - float64(start) - idleConns*perConn
}

// TestDeflateInterop checks that the paths the benchmarks measure work:
// what gorilla and gws compress, pmdeflate inflates, and what pmdeflate
// compresses, gorilla and gws read back, at every benchmark size, with and
// without context takeover (gws only for takeover).
func TestDeflateInterop(t *testing.T) {
	for _, size := range deflateSizes {
		for _, takeover := range []bool{false, true} {
			msgs := takeoverTexts(size, 3)
			name := fmt.Sprintf("size=%d/takeover=%v", size, takeover)

			t.Run("gws-to-wsframe/"+name, func(t *testing.T) {
				nc := newMemConn(nil, 0)
				c := gwsServer(t, gwsUpgrader(true, takeover, false, nil), nc, offerFor(takeover))
				nc.record, nc.written = true, nil // after the handshake
				for _, m := range msgs {
					if err := c.WriteMessage(gws.OpcodeText, m); err != nil {
						t.Fatal(err)
					}
				}
				inflateServerFrames(t, nc.written, msgs, takeover)
			})
			if !takeover {
				t.Run("gorilla-to-wsframe/"+name, func(t *testing.T) {
					nc := newMemConn(nil, 0)
					c := gorillaServer(t, nc, true)
					nc.record, nc.written = true, nil
					for _, m := range msgs {
						if err := c.WriteMessage(websocket.TextMessage, m); err != nil {
							t.Fatal(err)
						}
					}
					inflateServerFrames(t, nc.written, msgs, false)
				})
				t.Run("wsframe-to-gorilla/"+name, func(t *testing.T) {
					nc := newMemConn(clientFrames(t, msgs, false), len(msgs))
					c := gorillaServer(t, nc, true)
					for i, want := range msgs {
						op, got, err := c.ReadMessage()
						if err != nil || op != websocket.TextMessage || !bytes.Equal(got, want) {
							t.Fatalf("message %d: type %d, %d bytes (want %d), %v", i, op, len(got), len(want), err)
						}
					}
				})
			}
			t.Run("wsframe-to-gws/"+name, func(t *testing.T) {
				nc := newMemConn(clientFrames(t, msgs, takeover), len(msgs))
				var got [][]byte
				u := gwsUpgrader(true, takeover, true, func(_ *gws.Conn, m *gws.Message) {
					if m.Opcode == gws.OpcodeText {
						got = append(got, bytes.Clone(m.Bytes()))
					}
					m.Close()
				})
				gwsServer(t, u, nc, offerFor(takeover)).ReadLoop()
				if len(got) != len(msgs) {
					t.Fatalf("gws read %d messages of %d", len(got), len(msgs))
				}
				for i := range msgs {
					if !bytes.Equal(got[i], msgs[i]) {
						t.Fatalf("message %d: %d bytes differ from the %d sent", i, len(got[i]), len(msgs[i]))
					}
				}
			})
		}
	}
}

// inflateServerFrames reads wire, what a server wrote, as a client with
// permessage-deflate negotiated and checks that its messages, every one
// compressed, are msgs.
func inflateServerFrames(t *testing.T, wire []byte, msgs [][]byte, takeover bool) {
	t.Helper()
	r := newWsframeReader(takeover)
	r.rcv.Reset(codec.Config{Role: codec.RoleClient, RsvMessage: codec.Rsv1})
	nc := newMemConn([][]byte{wire}, 1)
	for i, want := range msgs {
		op, got, err := r.next(nc)
		if err != nil || op != codec.OpText || !bytes.Equal(got, want) {
			t.Fatalf("message %d: %v, %d bytes (want %d), %v", i, op, len(got), len(want), err)
		}
		if !r.rcv.Compressed() {
			t.Fatalf("message %d was not compressed", i)
		}
	}
	if _, _, err := r.next(nc); err != io.EOF {
		t.Fatalf("after the messages: %v, want io.EOF", err)
	}
}
