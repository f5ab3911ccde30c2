// Package codec is a zero-allocation RFC 6455 frame codec that does no I/O.
//
// It is for the authors of WebSocket stacks: net/http handlers that hijack
// the connection, event loops (gnet, nbio, netpoll) that get whatever bytes
// the socket had and must never block, and proxies. The package parses and
// writes frame headers ([Header.Parse], [PutHeader] and [Header.Put], the
// fast forms; [ParseHeader] and [AppendHeader] for convenience), enforces
// every receive-side rule of RFC 6455 as it sees the bytes ([Receiver]),
// writes frames, fragmented messages and control frames, masked for a client
// ([Sender]), reads and builds Close payloads ([ParseClose],
// [AppendClosePayload]) and does the arithmetic of the opening handshake
// ([AppendAccept], [ValidKey]). The HTTP exchange and the socket stay with the
// caller.
//
// Nothing here starts a goroutine, reads from an io.Reader or allocates per
// frame or message: the caller owns every buffer, payloads are unmasked in
// place in the caller's buffer, and errors are preallocated values of type
// [*Error] that carry the close code to send (RFC 6455 §7.4), so that
// returning one allocates nothing either. Compare them with [errors.Is], or
// get the code with [CodeOf] or [errors.As].
//
// # Receiving
//
// A [Receiver] is fed whatever bytes arrived and answers with one [Event] at
// a time: a data frame's header, a chunk of its payload (unmasked in place,
// a slice of the caller's buffer), the end of a message, or a whole control
// frame, which may come between the fragments of a data message. The read
// loop of an event loop is:
//
//	for {
//		ev, n, err := r.Next(buf)
//		buf = buf[n:]
//		if err != nil {
//			// send a Close frame with codec.CodeOf(err) and close
//		}
//		if ev.Kind == codec.EventMore {
//			break // wait for the socket
//		}
//		// handle ev; r.Header() is its frame's header
//	}
//
// The chunking does not matter: a stream fed one byte at a time gives the
// same events, payload aside, which then comes in smaller pieces. Every rule
// of RFC 6455 that a receiver must enforce is checked as soon as the byte
// that breaks it arrives, size limits included (at header time, before any
// payload), and text messages are validated as UTF-8 as they stream past,
// across fragments, by package utf8valid.
//
// # Sending
//
// A [Sender] writes a frame (header and payload) into the caller's buffer in
// one call, masking the payload while copying it when it is a client's, with
// keys from crypto/rand read in batches; it also splits messages into
// fragments, writes ping, pong and Close frames, and hands large payloads to
// net.Buffers without copying them.
//
// # permessage-deflate
//
// The handshake half of RFC 7692 is here: [NegotiateDeflate] picks and
// answers a client's offer on a server, [AcceptDeflateResponse] checks the
// answer on a client, and [DeflateParams] says what the agreement means for
// each direction. With the extension agreed, set Config.RsvMessage to
// [Rsv1]: the Receiver then accepts Rsv1 on the first frame of a data
// message only (on a continuation or control frame it stays a 1002
// violation), reports such a message with [Receiver.Compressed], and leaves
// its UTF-8 to the caller, who inflates it with package pmdeflate.
package codec
