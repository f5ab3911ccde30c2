package conformance

import (
	"bytes"
	"fmt"
)

// Section 2: pings and pongs.
func init() {
	pingEcho := func(id, desc, exp string, payload []byte, chop int, closeAfter float64) *Case {
		return &Case{ID: id, Description: desc, Expectation: exp, open: func(s *session) {
			expectEcho(s, pongEvent(payload))
			s.SendFrame(frameSpec{Opcode: opPing, Payload: payload, Chop: chop})
			s.CloseAfter(closeAfter)
		}}
	}
	tenPings := func(id, desc string, chop int) *Case {
		return &Case{ID: id, Description: desc,
			Expectation: "Pongs for our Pings with all the payloads. Note: This is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.",
			open: func(s *session) {
				var ev []Event
				for i := 0; i < 10; i++ {
					p := text(fmt.Sprintf("payload-%d", i))
					ev = append(ev, pongEvent(p))
					s.SendFrame(frameSpec{Opcode: opPing, Payload: p, Chop: chop})
				}
				expectEcho(s, ev...)
				s.CloseAfter(3)
			}}
	}
	addSection(
		pingEcho("2.1", "Send ping without payload.",
			"Pong (with empty payload) is sent in reply to Ping. Clean close with normal code.", []byte{}, 0, 1),
		pingEcho("2.2", "Send ping with small text payload.",
			"Pong with payload echo'ed is sent in reply to Ping. Clean close with normal code.", text("Hello, world!"), 0, 1),
		pingEcho("2.3", "Send ping with small binary (non UTF-8) payload.",
			"Pong with payload echo'ed is sent in reply to Ping. Clean close with normal code.", []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}, 0, 1),
		pingEcho("2.4", "Send ping with binary payload of 125 octets.",
			"Pong with payload echo'ed is sent in reply to Ping. Clean close with normal code.", bytes.Repeat([]byte{0xfe}, 125), 0, 1),
		&Case{ID: "2.5", Description: "Send ping with binary payload of 126 octets.",
			Expectation: "Connection is failed immediately (1002/Protocol Error), since control frames are only allowed to have payload up to and including 125 octets..",
			open: func(s *session) {
				expectFail(s, closeProtocolError)
				s.SendFrame(frameSpec{Opcode: opPing, Payload: bytes.Repeat([]byte{0xfe}, 126)})
				s.KillAfter(1)
			}},
		pingEcho("2.6", "Send ping with binary payload of 125 octets, send in octet-wise chops.",
			"Pong with payload echo'ed is sent in reply to Ping. Implementations must be TCP clean. Clean close with normal code.", bytes.Repeat([]byte{0xfe}, 125), 1, 2),
		&Case{ID: "2.7", Description: "Send unsolicited pong without payload. Verify nothing is received. Clean close with normal code.",
			Expectation: "Nothing.",
			open: func(s *session) {
				expectEcho(s)
				s.SendFrame(frameSpec{Opcode: opPong})
				s.SendClose(closeNormal, nil)
				s.CloseAfter(1)
			}},
		&Case{ID: "2.8", Description: "Send unsolicited pong with payload. Verify nothing is received. Clean close with normal code.",
			Expectation: "Nothing.",
			open: func(s *session) {
				expectEcho(s)
				s.SendFrame(frameSpec{Opcode: opPong, Payload: text("unsolicited pong payload")})
				s.SendClose(closeNormal, nil)
				s.CloseAfter(1)
			}},
		&Case{ID: "2.9", Description: "Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.",
			Expectation: "Nothing in reply to own Pong, but Pong with payload echo'ed in reply to Ping. Clean close with normal code.",
			open: func(s *session) {
				expectEcho(s, pongEvent(text("ping payload")))
				s.SendFrame(frameSpec{Opcode: opPong, Payload: text("unsolicited pong payload")})
				s.SendFrame(frameSpec{Opcode: opPing, Payload: text("ping payload")})
				s.CloseAfter(1)
			}},
		tenPings("2.10", "Send 10 Pings with payload.", 0),
		tenPings("2.11", "Send 10 Pings with payload. Send out octets in octet-wise chops.", 1),
	)
}
