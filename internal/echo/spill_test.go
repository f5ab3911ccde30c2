//go:build !js && !wasip1

package echo

import (
	"bytes"
	"testing"
	"time"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
)

// TestLargeMessageSpills: a message larger than spillAt, sent in frames
// whose boundaries fall anywhere in the chunks (text whose multi-byte
// characters straddle them), comes back whole and in order with the small
// messages sent right behind it in the same write, plain and compressed.
func TestLargeMessageSpills(t *testing.T) {
	big := bytes.Repeat([]byte("spill € 𝄞 héllo "), (3*spillAt)/20+7) // > 3 MiB
	for _, tc := range []struct {
		name            string
		compress, zsend bool // negotiate deflate; send the message compressed
	}{{"plain", false, false}, {"compressed echo", true, false}, {"compressed both ways", true, true}} {
		compress := tc.compress
		t.Run(tc.name, func(t *testing.T) {
			u := startServer(t, Config{Compress: compress})
			rc := newRawCfg(t, u, Config{Compress: compress})
			payload, rsv := big, uint8(0)
			if tc.zsend {
				// Inflated by the server into its head and chunks.
				var err error
				if payload, err = new(pmdeflate.Compressor).AppendMessage(nil, big); err != nil {
					t.Fatal(err)
				}
				rsv = codec.Rsv1
			}
			var wire []byte
			const frame = 100<<10 + 3
			for off := 0; off < len(payload); off += frame {
				end := min(off+frame, len(payload))
				h := codec.Header{Fin: end == len(payload), Opcode: codec.OpContinuation}
				if off == 0 {
					h.Opcode, h.Rsv = codec.OpText, rsv
				}
				wire = append(wire, rc.frame(h, payload[off:end])...)
			}
			for i := 0; i < 3; i++ {
				wire = append(wire, rc.frame(codec.Header{Fin: true, Opcode: codec.OpBinary}, []byte{byte(i)})...)
			}
			go rc.write(wire)
			ev := rc.read(time.Minute)
			got := ev.payload
			if ev.compressed {
				got = inflateAll(t, got)
			}
			if ev.op != codec.OpText || ev.compressed != compress || !bytes.Equal(got, big) {
				t.Fatalf("large echo: %v (compressed %v) of %d bytes, want text of %d", ev.op, ev.compressed, len(got), len(big))
			}
			for i := 0; i < 3; i++ {
				ev := rc.read(time.Minute)
				got := ev.payload
				if ev.compressed {
					got = inflateAll(t, got)
				}
				if ev.op != codec.OpBinary || !bytes.Equal(got, []byte{byte(i)}) {
					t.Fatalf("small echo %d: %v %v", i, ev.op, got)
				}
			}
		})
	}
}
