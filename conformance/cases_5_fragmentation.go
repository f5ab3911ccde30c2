package conformance

// Section 5: fragmentation.
func init() {
	const contFail = "The connection is failed immediately, since there is no message to continue."
	ctlFrag := func(id, what string, op byte) *Case {
		return &Case{ID: id, Description: "Send " + what + " fragmented into 2 fragments.",
			Expectation: "Connection is failed immediately, since control message MUST NOT be fragmented.",
			open: func(s *session) {
				expectFail(s, closeProtocolError)
				s.SendFrame(frameSpec{Opcode: op, NotFin: true, Payload: text("fragment1")})
				s.SendFrame(frameSpec{Opcode: opContinuation, Payload: text("fragment2")})
				s.KillAfter(1)
			}}
	}
	twoFrags := func(id, how string, chop int, sync bool) *Case {
		return &Case{ID: id, Description: "Send text Message fragmented into 2 fragments" + how,
			Expectation: "Message is processed and echo'ed back to us.",
			open: func(s *session) {
				expectEcho(s, msgEvent(text("fragment1fragment2"), false))
				s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: text("fragment1"), Chop: chop, Sync: sync})
				s.SendFrame(frameSpec{Opcode: opContinuation, Payload: text("fragment2"), Chop: chop, Sync: sync})
				s.CloseAfter(1)
			}}
	}
	pingBetween := func(id, how string, chop int, sync bool) *Case {
		return &Case{ID: id, Description: "Send text Message fragmented into 2 fragments, one ping with payload in-between." + how,
			Expectation: "A pong is received, then the message is echo'ed back to us.",
			open: func(s *session) {
				expectEcho(s, pongEvent(text("ping payload")), msgEvent(text("fragment1fragment2"), false))
				s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: text("fragment1"), Chop: chop, Sync: sync})
				s.SendFrame(frameSpec{Opcode: opPing, Payload: text("ping payload"), Chop: chop, Sync: sync})
				s.SendFrame(frameSpec{Opcode: opContinuation, Payload: text("fragment2"), Chop: chop, Sync: sync})
				s.CloseAfter(1)
			}}
	}
	orphan := func(id string, fin bool, how string, chop int, sync bool) *Case {
		f := "false"
		if fin {
			f = "true"
		}
		return &Case{ID: id, Description: "Send unfragmented Text Message after Continuation Frame with FIN = " + f + ", where there is nothing to continue, sent in " + how + ".",
			Expectation: contFail,
			open: func(s *session) {
				expectFail(s, closeProtocolError)
				s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: !fin, Payload: text("non-continuation payload"), Chop: chop, Sync: sync})
				s.SendFrame(frameSpec{Opcode: opText, Payload: text("Hello, world!"), Chop: chop, Sync: sync})
				s.KillAfter(1)
			}}
	}
	repeated := func(id string, fin bool) *Case {
		f := "false"
		if fin {
			f = "true"
		}
		return &Case{ID: id, Description: "Repeated 2x: Continuation Frame with FIN = " + f + " (where there is nothing to continue), then text Message fragmented into 2 fragments.",
			Expectation: contFail,
			open: func(s *session) {
				expectFail(s, closeProtocolError)
				for i := 0; i < 2; i++ {
					s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: !fin, Payload: text("fragment1")})
					s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: text("fragment2")})
					s.SendFrame(frameSpec{Opcode: opContinuation, Payload: text("fragment3")})
				}
				s.KillAfter(1)
			}}
	}
	pingsDuring := func(id string, sync bool) *Case {
		c := &Case{ID: id,
			Description: "A fragmented text message is sent in multiple frames. After sending the first 2 frames of the text message, a Ping is sent. Then we wait 1s, then we send 2 more text fragments, another Ping and then the final text fragment. Everything is legal.",
			Expectation: "The peer immediately answers the first Ping before it has received the last text message fragment. The peer pong's back the Ping's payload exactly, and echo's the payload of the fragmented message back to us.",
			open: func(s *session) {
				fr := []string{"fragment1", "fragment2", "fragment3", "fragment4", "fragment5"}
				pings := []string{"pongme 1!", "pongme 2!"}
				expectEcho(s, pongEvent(text(pings[0])), pongEvent(text(pings[1])), msgEvent(text("fragment1fragment2fragment3fragment4fragment5"), false))
				s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: text(fr[0]), Sync: sync})
				s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: true, Payload: text(fr[1]), Sync: sync})
				s.SendFrame(frameSpec{Opcode: opPing, Payload: text(pings[0]), Sync: sync})
				s.ContinueLater(1, "", func() {
					s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: true, Payload: text(fr[2]), Sync: sync})
					s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: true, Payload: text(fr[3]), Sync: sync})
					s.SendFrame(frameSpec{Opcode: opPing, Payload: text(pings[1]), Sync: sync})
					s.SendFrame(frameSpec{Opcode: opContinuation, Payload: text(fr[4]), Sync: sync})
					s.CloseAfter(1)
				})
			}}
		if sync {
			c.Description = "Same as Case 5.19, but send all frames with SYNC = True. Note, this does not change the octets sent in any way, only how the stream is chopped up on the wire."
			c.Expectation = "Same as Case 5.19. Implementations must be agnostic to how octet stream is chopped up on wire (must be TCP clean)."
		}
		return c
	}
	addSection(
		ctlFrag("5.1", "Ping", opPing),
		ctlFrag("5.2", "Pong", opPong),
		twoFrags("5.3", ".", 0, false),
		twoFrags("5.4", ", octets are sent in frame-wise chops.", 0, true),
		twoFrags("5.5", ", octets are sent in octet-wise chops.", 1, false),
		pingBetween("5.6", "", 0, false),
		pingBetween("5.7", " Octets are sent in frame-wise chops.", 0, true),
		pingBetween("5.8", " Octets are sent in octet-wise chops.", 1, false),
		orphan("5.9", true, "one chop", 0, false),
		orphan("5.10", true, "per-frame chops", 0, true),
		orphan("5.11", true, "octet-wise chops", 1, false),
		orphan("5.12", false, "one chop", 0, false),
		orphan("5.13", false, "per-frame chops", 0, true),
		orphan("5.14", false, "octet-wise chops", 1, false),
		&Case{ID: "5.15",
			Description: "Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.",
			Expectation: contFail,
			open: func(s *session) {
				expectFail(s, closeProtocolError)
				s.Expected[OK] = []Event{msgEvent(text("fragment1fragment2"), false)}
				s.Expected[NonStrict] = []Event{}
				s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: text("fragment1")})
				s.SendFrame(frameSpec{Opcode: opContinuation, Payload: text("fragment2")})
				s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: true, Payload: text("fragment3")})
				s.SendFrame(frameSpec{Opcode: opText, Payload: text("fragment4")})
				s.KillAfter(1)
			}},
		repeated("5.16", false),
		repeated("5.17", true),
		&Case{ID: "5.18",
			Description: "Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.",
			Expectation: "The connection is failed immediately, since all data frames after the initial data frame must have opcode 0.",
			open: func(s *session) {
				expectFail(s, closeProtocolError)
				s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: text("fragment1")})
				s.SendFrame(frameSpec{Opcode: opText, Payload: text("fragment2")})
				s.KillAfter(1)
			}},
		pingsDuring("5.19", false),
		pingsDuring("5.20", true),
	)
}
