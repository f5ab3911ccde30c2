//go:build !js && !wasip1

package echo

import (
	"bytes"
	"compress/flate"
	"fmt"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
)

// TestDeflateEcho echoes messages of every size class, whole and in
// frames, over connections that agreed on permessage-deflate with each
// combination of parameters, and checks the agreement both ends reached.
func TestDeflateEcho(t *testing.T) {
	cases := []struct {
		name           string
		server, client Config
		want           codec.DeflateParams // the agreement
	}{
		{name: "default offer",
			server: Config{Compress: true}, client: Config{Compress: true},
			want: codec.DeflateParams{}},
		{name: "server asks no context takeover both ways",
			server: Config{Compress: true, Deflate: codec.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
			client: Config{Compress: true},
			want:   codec.DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
		{name: "small windows both ways (Huffman only)",
			server: Config{Compress: true, Deflate: codec.DeflateParams{ClientMaxWindowBits: 9}},
			client: Config{Compress: true, Deflate: codec.DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}},
			want:   codec.DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 9}},
		{name: "context takeover kept by both compressors",
			server: Config{Compress: true, CompressTakeover: true, CompressLevel: flate.BestCompression},
			client: Config{Compress: true, CompressTakeover: true},
			want:   codec.DeflateParams{}},
		{name: "small messages uncompressed",
			server: Config{Compress: true, CompressMin: 200}, client: Config{Compress: true, CompressMin: 200},
			want: codec.DeflateParams{}},
	}
	sizes := []int{0, 1, 125, 126, 65535, 65536, 1 << 20}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := startServer(t, tc.server)
			c := dialT(t, u, tc.client)
			if !c.Compressed() {
				t.Fatal("permessage-deflate not negotiated")
			}
			rc := newRawCfg(t, u, tc.client)
			if rc.deflate == nil || *rc.deflate != tc.want {
				t.Fatalf("agreement %+v, want %+v", rc.deflate, tc.want)
			}
			for _, size := range sizes {
				for _, op := range []codec.Opcode{codec.OpText, codec.OpBinary} {
					for _, frame := range []int{0, 1000} {
						echoOnce(t, c, op, size, frame)
					}
				}
			}
			if !tc.client.CompressTakeover && (!c.z.comp.Idle() || !c.z.dec.Idle()) {
				t.Errorf("idle connection holds deflate state: compressor idle %v, decompressor idle %v", c.z.comp.Idle(), c.z.dec.Idle())
			}
			// The raw client sees the server's echo compressed (Rsv1)
			// unless it is shorter than CompressMin.
			takeover, _ := rc.deflate.Incoming(codec.RoleClient)
			d := pmdeflate.NewDecompressor(pmdeflate.DecompressorConfig{ContextTakeover: takeover})
			for _, size := range []int{10, 300} {
				msg := testPayload(size, true)
				var comp pmdeflate.Compressor
				p, _ := comp.AppendMessage(nil, msg)
				rc.write(rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpText}, p))
				ev := rc.read(30 * time.Second)
				wantZ := size >= tc.server.CompressMin
				if ev.compressed != wantZ {
					t.Fatalf("size %d: echo compressed %v, want %v", size, ev.compressed, wantZ)
				}
				got := ev.payload
				if ev.compressed {
					var err error
					if got, err = d.AppendInflate(nil, ev.payload, true); err != nil {
						t.Fatal(err)
					}
				}
				if !bytes.Equal(got, msg) {
					t.Fatalf("size %d: raw echo differs", size)
				}
			}
		})
	}
}

// TestDeflateNotNegotiated: either end without Compress means plain
// messages, and a client that offers nothing gets no extension.
func TestDeflateNotNegotiated(t *testing.T) {
	for _, tc := range []struct{ server, client Config }{
		{Config{}, Config{Compress: true}},
		{Config{Compress: true}, Config{}},
	} {
		u := startServer(t, tc.server)
		c := dialT(t, u, tc.client)
		if c.Compressed() {
			t.Fatalf("server %v client %v: compressed", tc.server.Compress, tc.client.Compress)
		}
		msg := testPayload(1000, true)
		c.WriteMessage(codec.OpText, msg, 0)
		if _, got, err := c.ReadMessage(); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("echo: %v", err)
		}
	}
}

// TestDeflateBadInput sends broken compressed messages to the server and
// expects the close code each maps to.
func TestDeflateBadInput(t *testing.T) {
	const maxMsg = 1 << 20
	u := startServer(t, Config{Compress: true, MaxMessage: maxMsg, CloseTimeout: time.Second})
	compress := func(msg []byte) []byte {
		c, _ := pmdeflate.NewCompressor(pmdeflate.CompressorConfig{Level: flate.BestCompression})
		p, _ := c.AppendMessage(nil, msg)
		return p
	}
	bomb := bytes.Repeat(append(compress(make([]byte, 1<<20)), 0, 0, 0xff, 0xff), 8) // 8 MiB inflated, 8 KiB sent
	text := func(p []byte) codec.Header { return codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpText} }
	cases := []struct {
		name   string
		frames func(rc *rawClient) []byte
		code   codec.CloseCode
	}{
		{"invalid UTF-8 inside compressed text", func(rc *rawClient) []byte {
			return rc.frame(text(nil), compress([]byte("valid, then \xff")))
		}, codec.CloseInvalidPayload},
		{"truncated UTF-8 at the end of compressed text", func(rc *rawClient) []byte {
			return rc.frame(text(nil), compress([]byte("ends inside \xe2\x82")))
		}, codec.CloseInvalidPayload},
		{"corrupt deflate data", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpBinary}, []byte{0x07, 0x00})
		}, codec.CloseInvalidPayload},
		{"decompression bomb over the message limit", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpBinary}, bomb)
		}, codec.CloseMessageTooBig},
		{"Rsv1 on a continuation frame", func(rc *rawClient) []byte {
			p := compress([]byte("hello hello"))
			return append(rc.frame(codec.Header{Rsv: codec.Rsv1, Opcode: codec.OpText}, p[:2]),
				rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpContinuation}, p[2:])...)
		}, codec.CloseProtocolError},
		{"Rsv1 on a ping", func(rc *rawClient) []byte {
			return rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpPing}, nil)
		}, codec.CloseProtocolError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc := newRawCfg(t, u, Config{Compress: true})
			if err := rc.write(tc.frames(rc)); err != nil {
				t.Fatal(err)
			}
			rc.expectClose(tc.code, 30*time.Second)
		})
	}
	// A message of exactly the limit, compressed, passes.
	rc := newRawCfg(t, u, Config{Compress: true})
	rc.write(rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpBinary}, compress(make([]byte, maxMsg))))
	if ev := rc.read(30 * time.Second); ev.eof || ev.op != codec.OpBinary {
		t.Fatalf("message of the limit's size: %+v", ev.op)
	}
}

// TestDeflateEchoAllocs checks that echoing a compressed message allocates
// nothing in steady state (Huffman-only input, which compress/flate
// inflates without allocating).
func TestDeflateEchoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	u := startServer(t, Config{Compress: true})
	for _, size := range []int{125, 16 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			rc := newRawCfg(t, u, Config{Compress: true})
			h, _ := pmdeflate.NewCompressor(pmdeflate.CompressorConfig{Level: flate.HuffmanOnly})
			p, _ := h.AppendMessage(nil, testPayload(size, true))
			frame := rc.frame(codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpText}, p)
			// Learn the length of the echo (the same every time: no
			// context takeover).
			rc.write(frame)
			ev := rc.read(30 * time.Second)
			want := len(ev.payload) + codec.Header{Length: int64(len(ev.payload))}.Len()
			if got := rc.echoAllocs(frame, want); got != 0 {
				t.Fatalf("%v allocations per echoed compressed message, want 0", got)
			}
		})
	}
}
