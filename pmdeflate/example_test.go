package pmdeflate_test

import (
	"fmt"

	"github.com/wsframe/wsframe/codec"
	"github.com/wsframe/wsframe/pmdeflate"
)

// A server's read loop for compressed messages: the payload is inflated as
// it streams in, and Event.End says which payload ends a message, also when
// the message's last frame is empty (browsers and other stacks send such
// frames), so the final inflate is never missed.
func ExampleDecompressor_receiver() {
	// A client sends two compressed text messages: the first in two frames
	// and an empty last frame, the second in one frame.
	var comp pmdeflate.Compressor
	client := codec.NewSender(codec.RoleClient, nil)
	var wire []byte
	z, _ := comp.AppendMessage(nil, []byte("hello, compressed world"))
	wire, _ = client.AppendFrame(wire, codec.Header{Rsv: codec.Rsv1, Opcode: codec.OpText}, z[:5])
	wire, _ = client.AppendFrame(wire, codec.Header{Opcode: codec.OpContinuation}, z[5:])
	wire, _ = client.AppendFrame(wire, codec.Header{Fin: true, Opcode: codec.OpContinuation}, nil)
	z, _ = comp.AppendMessage(nil, []byte("and again"))
	wire, _ = client.AppendFrame(wire, codec.Header{Fin: true, Rsv: codec.Rsv1, Opcode: codec.OpText}, z)

	// readme:begin
	r := codec.NewReceiver(codec.Config{RsvMessage: codec.Rsv1, MaxMessageSize: 1 << 20})
	dec := pmdeflate.NewDecompressor(pmdeflate.DecompressorConfig{MaxMessageSize: 1 << 20})
	var msg []byte
	for buf := wire; ; {
		ev, n, err := r.Next(buf)
		buf = buf[n:]
		if err != nil {
			fmt.Println("close with", codec.CodeOf(err)) // 1002, 1007, 1009, ...
			return
		}
		switch ev.Kind {
		case codec.EventMore:
			return // wait for the socket's next bytes
		case codec.EventPayload:
			if !r.Compressed() {
				msg = append(msg, ev.Payload...)
				break
			}
			// ev.End marks the message's last payload, even an empty one.
			if msg, err = dec.AppendInflate(msg, ev.Payload, ev.End); err != nil {
				fmt.Println("close with", codec.CodeOf(err)) // 1007 corrupt, 1009 too big
				return
			}
		case codec.EventMessageEnd:
			// Compressed text is validated after inflating (utf8valid).
			fmt.Printf("%v: %s\n", ev.Message, msg)
			msg = msg[:0]
		}
	}
	// readme:end

	// Output:
	// text: hello, compressed world
	// text: and again
}
