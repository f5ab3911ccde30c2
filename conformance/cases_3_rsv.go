package conformance

import "fmt"

// Section 3: reserved bits. With no extension negotiated, any RSV bit must
// fail the connection.
func init() {
	const failExp = "The connection is failed immediately, since RSV must be 0."
	const echoThenFail = "Echo for first message is received, but then connection is failed immediately, since RSV must be 0, when no extension defining RSV meaning has been negotiated. The Pong is not received."
	// 3.2-3.4: a valid message, the same with RSV set, then a ping.
	sandwich := func(id string, rsv byte, how string, chop int, sync bool) *Case {
		return &Case{ID: id,
			Description: fmt.Sprintf("Send small text message, then send again with <b>RSV = %d</b>, then send Ping.%s", rsv, how),
			Expectation: echoThenFail,
			open: func(s *session) {
				p := text("Hello, world!")
				expectFail(s, closeProtocolError)
				s.Expected[OK] = []Event{msgEvent(p, false)}
				s.Expected[NonStrict] = []Event{}
				s.SendFrame(frameSpec{Opcode: opText, Payload: p, Chop: chop, Sync: sync})
				s.SendFrame(frameSpec{Opcode: opText, Payload: p, Rsv: rsv, Chop: chop, Sync: sync})
				s.SendFrame(frameSpec{Opcode: opPing, Chop: chop, Sync: sync})
				s.KillAfter(1)
			}}
	}
	single := func(id, what string, op, rsv byte, payload []byte) *Case {
		return &Case{ID: id, Description: fmt.Sprintf("Send %s with <b>RSV = %d</b>.", what, rsv), Expectation: failExp,
			open: func(s *session) {
				expectFail(s, closeProtocolError)
				s.SendFrame(frameSpec{Opcode: op, Payload: payload, Rsv: rsv})
				s.KillAfter(1)
			}}
	}
	addSection(
		single("3.1", "small text message", opText, 1, text("Hello, world!")),
		sandwich("3.2", 2, "", 0, false),
		sandwich("3.3", 3, " Octets are sent in frame-wise chops. Octets are sent in octet-wise chops.", 0, true),
		sandwich("3.4", 4, " Octets are sent in octet-wise chops.", 1, false),
		single("3.5", "small binary message", opBinary, 5, []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}),
		// Autobahn's 3.6 says "Ping" but sends a binary frame; wstest sends
		// what Autobahn sends, so verdicts stay comparable.
		single("3.6", "Ping", opBinary, 6, text("Hello, world!")),
		single("3.7", "Close", opClose, 7, nil),
	)
}
