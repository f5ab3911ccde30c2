package codec_test

import (
	"errors"
	"fmt"

	"github.com/wsframe/wsframe"
	"github.com/wsframe/wsframe/codec"
)

// A server's read loop over whatever bytes the socket had: frames split at
// arbitrary points, a ping between the fragments of a text message, and a
// close frame. Nothing blocks and nothing is allocated per frame.
func ExampleReceiver() {
	// What a browser might send, cut into reads at awkward places.
	client := codec.NewSender(codec.RoleClient, nil)
	var wire []byte
	wire, _ = client.AppendFrame(wire, codec.Header{Opcode: codec.OpText}, []byte("héllo, w\xc3"))
	wire, _ = client.AppendPing(wire, []byte("are you there?"))
	wire, _ = client.AppendFrame(wire, codec.Header{Fin: true, Opcode: codec.OpContinuation}, []byte("\xb6rld"))
	wire, _ = client.AppendClose(wire, codec.CloseNormal, "bye")
	reads := [][]byte{wire[:3], wire[3:17], wire[17:]}

	r := codec.NewReceiver(codec.Config{Role: codec.RoleServer, MaxMessageSize: 1 << 20})
	var msg []byte // the caller decides how to buffer messages
	for _, buf := range reads {
		for {
			ev, n, err := r.Next(buf)
			buf = buf[n:]
			if err != nil {
				// Send a Close frame with codec.CodeOf(err), then close.
				fmt.Println("fail:", codec.CodeOf(err))
				return
			}
			if ev.Kind == codec.EventMore {
				break // wait for the socket
			}
			switch ev.Kind {
			case codec.EventPayload:
				msg = append(msg, ev.Payload...)
			case codec.EventMessageEnd:
				fmt.Printf("%v message: %s\n", ev.Message, msg)
				msg = msg[:0]
			case codec.EventControl:
				switch ev.Message {
				case codec.OpPing:
					fmt.Printf("ping %q: answer with a pong\n", ev.Payload)
				case codec.OpClose:
					code, reason, _ := codec.ParseClose(ev.Payload)
					fmt.Printf("close %v %q\n", code, reason)
				}
			}
		}
	}
	// Output:
	// ping "are you there?": answer with a pong
	// text message: héllo, wörld
	// close 1000 (normal closure) "bye"
}

// Violations come back as errors carrying the close code to send.
func ExampleReceiver_error() {
	var r codec.Receiver // a server with the default Config
	// An unmasked text frame: servers only accept masked ones.
	_, _, err := r.Next([]byte{0x81, 0x02, 'h', 'i'})
	fmt.Println(err, errors.Is(err, codec.ErrMaskRequired), codec.CodeOf(err))
	// Output:
	// codec: unmasked frame from a client true 1002 (protocol error)
}

// A client writes masked frames into its own buffer, one call per frame.
func ExampleSender() {
	s := codec.NewSender(codec.RoleClient, nil) // keys from crypto/rand
	buf := make([]byte, 0, 1024)
	buf, err := s.AppendFrame(buf, codec.Header{Fin: true, Opcode: codec.OpText}, []byte("hello"))
	if err != nil {
		panic(err)
	}
	h, n, _ := codec.ParseHeader(buf)
	fmt.Println(h.Opcode, h.Fin, h.Masked, h.Length, n, len(buf))
	// Output:
	// text true true 5 6 11
}

// ParseHeader works on whatever prefix of a header is there.
func ExampleParseHeader() {
	wire := codec.AppendHeader(nil, codec.Header{Fin: true, Opcode: codec.OpBinary, Length: 1000})
	_, need, err := codec.ParseHeader(wire[:1])
	fmt.Println(need, err)
	_, need, err = codec.ParseHeader(wire[:2])
	fmt.Println(need, err)
	h, n, err := codec.ParseHeader(wire)
	fmt.Println(h.Length, n, err)
	// Output:
	// 2 codec: incomplete frame header
	// 4 codec: incomplete frame header
	// 1000 4 <nil>
}

// The server's half of the opening handshake's arithmetic.
func ExampleAppendAccept() {
	key := "dGhlIHNhbXBsZSBub25jZQ==" // from the Sec-WebSocket-Key header
	var buf [codec.AcceptLen]byte
	accept, err := codec.AppendAccept(buf[:0], key)
	if err != nil {
		fmt.Println("400 Bad Request")
		return
	}
	fmt.Printf("Sec-WebSocket-Accept: %s\n", accept)
	// Output:
	// Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}

func ExampleParseClose() {
	code, reason, err := codec.ParseClose([]byte{0x03, 0xE9, 'b', 'y', 'e'})
	fmt.Println(code, string(reason), err)
	_, _, err = codec.ParseClose([]byte{0x03, 0xED}) // 1005 may not be sent
	fmt.Println(err, codec.CodeOf(err))
	// Output:
	// 1001 (going away) bye <nil>
	// codec: invalid close status code 1002 (protocol error)
}

// Negotiating permessage-deflate: the server picks the first offer it can
// accept and answers it, the client checks the answer against its offer,
// and each end learns how to set up its compressor and decompressor.
func ExampleNegotiateDeflate() {
	// The client offers what browsers send.
	offer := codec.DeflateParams{ClientMaxWindowBits: 15}
	request := string(offer.AppendOffer(nil))
	fmt.Println("request: ", request)

	// The server saves memory: no context kept between its messages, and a
	// 1 KiB window asked of the client.
	policy := codec.DeflateParams{ServerNoContextTakeover: true, ClientMaxWindowBits: 10}
	accepted, ok := codec.NegotiateDeflate([]string{request}, policy)
	if !ok {
		fmt.Println("no compression")
		return
	}
	response := string(accepted.AppendResponse(nil))
	fmt.Println("response:", response)

	p, negotiated, err := codec.AcceptDeflateResponse([]string{response}, offer)
	if err != nil {
		fmt.Println("fail the connection:", err)
		return
	}
	ctx, bits := p.Outgoing(codec.RoleClient)
	fmt.Println("client compresses:", negotiated, "context takeover", ctx, "window bits", bits)
	ctx, bits = p.Incoming(codec.RoleClient)
	fmt.Println("client inflates:   context takeover", ctx, "window bits", bits)

	// A window bits value with a leading zero fails the handshake (§7.1.2.1).
	_, _, err = codec.AcceptDeflateResponse([]string{"permessage-deflate; server_max_window_bits=08"}, offer)
	fmt.Println(err)
	// Output:
	// request:  permessage-deflate; client_max_window_bits
	// response: permessage-deflate; server_no_context_takeover; client_max_window_bits=10
	// client compresses: true context takeover true window bits 10
	// client inflates:   context takeover false window bits 15
	// codec: invalid permessage-deflate parameter value
}

// A proxy relays a payload it does not hold yet: it takes a completed
// header (a fresh masking key for a client) for the announced length, writes
// it, then masks each chunk as it passes, carrying the key offset along.
func ExampleSender_FrameHeader() {
	upstream := [][]byte{[]byte("streamed "), []byte("in "), []byte("pieces")}
	s := codec.NewSender(codec.RoleClient, nil)
	h, err := s.FrameHeader(codec.Header{Fin: true, Opcode: codec.OpText}, 18)
	if err != nil {
		panic(err)
	}
	headroom := make([]byte, h.Len()) // exactly the header's size
	h.Put(headroom)
	wire := headroom
	pos := 0
	for _, chunk := range upstream {
		pos = wsframe.Mask(h.Key, pos, chunk)
		wire = append(wire, chunk...)
	}

	// The peer reads one ordinary frame.
	r := codec.NewReceiver(codec.Config{Role: codec.RoleServer})
	for buf := wire; ; {
		ev, n, _ := r.Next(buf)
		buf = buf[n:]
		if ev.Kind == codec.EventPayload {
			fmt.Printf("%q end=%v\n", ev.Payload, ev.End)
		}
		if ev.Kind == codec.EventMore {
			break
		}
	}
	// Output:
	// "streamed in pieces" end=true
}
