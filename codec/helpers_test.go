package codec

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/wsframe/wsframe"
)

// testKey is the masking key of every frame the tests build.
var testKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// peerMasks reports whether frames sent to a receiver of role are masked:
// clients mask, so a server receives masked frames.
func peerMasks(role Role) bool { return role == RoleServer }

// frame builds one frame as the peer of a receiver with role would send it.
func frame(role Role, fin bool, rsv uint8, op Opcode, payload []byte) []byte {
	h := Header{Fin: fin, Rsv: rsv, Opcode: op, Length: int64(len(payload)), Masked: peerMasks(role), Key: testKey}
	b := AppendHeader(nil, h)
	n := len(b)
	b = append(b, payload...)
	if h.Masked {
		wsframe.Mask(h.Key, 0, b[n:])
	}
	return b
}

// rawFrame builds a frame with the header bytes given verbatim (so that it
// can be malformed), followed by payload masked with testKey if the second
// header byte says so; the key is appended after hdr.
func rawFrame(hdr []byte, payload []byte) []byte {
	b := append([]byte(nil), hdr...)
	masked := hdr[1]&0x80 != 0
	if masked {
		b = append(b, testKey[:]...)
	}
	n := len(b)
	b = append(b, payload...)
	if masked {
		wsframe.Mask(testKey, 0, b[n:])
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// rec is an event as the tests compare them: consecutive payload events of
// one frame merged into one, payload copied.
type rec struct {
	Kind    EventKind
	Message Opcode
	End     bool
	Header  Header
	Payload string
}

func (e rec) String() string {
	return fmt.Sprintf("%v msg=%v end=%v %+v %q", e.Kind, e.Message, e.End, e.Header, e.Payload)
}

// feedResult is everything a receiver made of a stream.
type feedResult struct {
	events []rec
	err    error
	errAt  int // index in the stream of the last byte fed when err came; -1 if none
}

// feed gives the stream to r in the chunks whose sizes sizes() returns,
// calling Next until EventMore after each chunk as a read loop would. Each
// chunk is a fresh copy, so stream is left alone. It checks Event.End on
// the way: set only on payload events, on exactly one per message, which is
// the last event before EventMessageEnd, and empty payload events only there.
func feed(t testing.TB, r *Receiver, stream []byte, sizes func(left int) int) feedResult {
	t.Helper()
	res := feedResult{errAt: -1}
	ended := false // the last data event had End set
	off := 0
	for off < len(stream) || off == 0 {
		k := sizes(len(stream) - off)
		chunk := append([]byte(nil), stream[off:off+k]...)
		off += k
		for steps := 0; ; steps++ {
			if steps > 4*k+16 {
				t.Fatalf("Next makes no progress on chunk at %d", off-k)
			}
			ev, n, err := r.Next(chunk)
			if err != nil {
				res.err, res.errAt = err, off-1
				if n != 0 {
					t.Fatalf("error %v with n=%d, want 0", err, n)
				}
				return res
			}
			if n < 0 || n > len(chunk) {
				t.Fatalf("n=%d out of range for a chunk of %d", n, len(chunk))
			}
			chunk = chunk[n:]
			if ev.Kind == EventMore {
				if len(chunk) != 0 {
					t.Fatalf("EventMore with %d bytes unconsumed", len(chunk))
				}
				break
			}
			switch {
			case ev.End && ev.Kind != EventPayload:
				t.Fatalf("End set on %v", ev.Kind)
			case ev.Kind == EventPayload && len(ev.Payload) == 0 && !ev.End:
				t.Fatalf("empty payload event without End")
			case ev.Kind == EventPayload && ended:
				t.Fatalf("payload after the payload that ended the message")
			case ev.Kind == EventMessageEnd && !ended:
				t.Fatalf("EventMessageEnd without a payload event with End")
			case ev.Kind == EventHeader && ended:
				t.Fatalf("header of a new frame before EventMessageEnd")
			case ev.End != r.MessageEnds() && ev.Kind == EventPayload:
				t.Fatalf("End %v but MessageEnds %v", ev.End, r.MessageEnds())
			}
			switch ev.Kind {
			case EventPayload:
				ended = ev.End
			case EventMessageEnd:
				ended = false
			}
			if ev.Kind == EventPayload && len(res.events) > 0 {
				if last := &res.events[len(res.events)-1]; last.Kind == EventPayload {
					last.Payload += string(ev.Payload)
					last.End = ev.End
					continue
				}
			}
			res.events = append(res.events, rec{ev.Kind, ev.Message, ev.End, r.Header(), string(ev.Payload)})
		}
		if off >= len(stream) {
			break
		}
	}
	// Anything still due without input (a message end) must come out.
	ev, n, err := r.Next(nil)
	if err != nil || n != 0 || ev.Kind != EventMore {
		t.Fatalf("after the stream: %v, %d, %v; want EventMore", ev.Kind, n, err)
	}
	return res
}

func whole(left int) int   { return left }
func oneByte(left int) int { return min(left, 1) }

func randomChunks(rng *rand.Rand) func(int) int {
	return func(left int) int {
		if left == 0 {
			return 0
		}
		switch rng.Intn(4) {
		case 0:
			return 1 + rng.Intn(min(left, 3))
		case 1:
			return 1 + rng.Intn(min(left, 20))
		default:
			return 1 + rng.Intn(left)
		}
	}
}

// sameResult fails t unless a and b are the same events and error.
func sameResult(t testing.TB, what string, a, b feedResult) {
	t.Helper()
	if a.err != b.err {
		t.Fatalf("%s: error %v, want %v", what, b.err, a.err)
	}
	if len(a.events) != len(b.events) {
		t.Fatalf("%s: %d events, want %d\n got: %v\nwant: %v", what, len(b.events), len(a.events), b.events, a.events)
	}
	for i := range a.events {
		if a.events[i] != b.events[i] {
			t.Fatalf("%s: event %d is %v, want %v", what, i, b.events[i], a.events[i])
		}
	}
}

// roles lists both roles for table tests.
var roles = []Role{RoleServer, RoleClient}

// text returns a mixed UTF-8 text of n bytes: ASCII with 2-, 3- and 4-byte
// sequences.
func mixedText(n int) []byte {
	var sb strings.Builder
	parts := []string{"hello ", "wörld ", "€uro ", "日本語 ", "𝄞 clef ", "plain ascii text. "}
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(parts[i%len(parts)])
	}
	b := []byte(sb.String())
	// Cut back to n bytes at a character boundary, padding with ASCII.
	for len(b) > n || (len(b) > 0 && b[len(b)-1]&0xC0 == 0x80) || (len(b) > 0 && b[len(b)-1] >= 0xC0) {
		b = b[:len(b)-1]
	}
	for len(b) < n {
		b = append(b, '.')
	}
	return b
}
