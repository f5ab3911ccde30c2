package conformance

import (
	"bytes"
	"fmt"
)

// Section 7: close handling, every case started by the fuzzer.
func init() {
	// closeCase is the shape of most of section 7: send something, expect
	// no events, expect the closing handshake we start to end with one of
	// codes, and fail the case itself on a wrong code.
	closeCase := func(id, desc, exp string, codes []int, clean bool, send func(s *session)) *Case {
		return &Case{ID: id, Description: desc, Expectation: exp, judge: wrongCodeFails,
			open: func(s *session) {
				s.SuppressClose = true
				s.Expected[OK] = []Event{}
				s.ExpectedClose = ExpectedClose{ClosedByMe: true, CloseCode: codes, RequireClean: clean}
				send(s)
				s.KillAfter(1)
			}}
	}
	normal := []int{closeNormal}
	protocol := []int{closeProtocolError}
	// rawClose sends a close frame with whatever code and reason, bypassing
	// the session's own close bookkeeping rules about validity.
	rawClose := func(s *session, code int, reason []byte) { s.sendCloseFrame(code, reason) }

	cs := []*Case{
		{ID: "7.1.1", Description: "Send a message followed by a close frame",
			Expectation: "Echoed message followed by clean close with normal code.", judge: wrongCodeFails,
			open: func(s *session) {
				expectEcho(s, msgEvent(text("Hello World!"), false))
				s.SendFrame(frameSpec{Opcode: opText, Payload: text("Hello World!")})
				s.KillAfter(1)
			}},
		closeCase("7.1.2", "Send two close frames", "Clean close with normal code. Second close frame ignored.", normal, true, func(s *session) {
			s.SendClose(closeNormal, nil)
			s.SendFrame(frameSpec{Opcode: opClose})
		}),
		closeCase("7.1.3", "Send a ping after close message", "Clean close with normal code, no pong.", normal, true, func(s *session) {
			s.SendClose(closeNormal, nil)
			s.SendFrame(frameSpec{Opcode: opPing})
		}),
		closeCase("7.1.4", "Send text message after sending a close frame.", "Clean close with normal code. Text message ignored.", normal, true, func(s *session) {
			s.SendClose(closeNormal, nil)
			s.SendFrame(frameSpec{Opcode: opText, Payload: text("Hello World!")})
		}),
		closeCase("7.1.5", "Send message fragment1 followed by close then fragment", "Clean close with normal code.", normal, true, func(s *session) {
			s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: text("fragment1")})
			s.SendClose(closeNormal, nil)
			s.SendFrame(frameSpec{Opcode: opContinuation, Payload: text("fragment2")})
		}),
		{ID: "7.1.6", Description: "Send 256K message followed by close then a ping",
			Expectation: "Case outcome depends on implementation defined close behavior. Message and close frame are sent back to back. If the close frame is processed before the text message write is complete (as can happen in asynchronous processing models) the close frame is processed first and the text message may not be received or may only be partially received.",
			open: func(s *session) {
				s.SuppressClose = true
				s.Expected[OK] = []Event{msgEvent(text("Hello World!"), false)}
				s.Expected[NonStrict] = []Event{}
				s.ExpectedClose = ExpectedClose{ClosedByMe: true, CloseCode: normal, RequireClean: true}
				s.SendFrame(frameSpec{Opcode: opText, Payload: text("BAsd7&jh23"), PayloadLen: 256 << 10})
				s.SendFrame(frameSpec{Opcode: opText, Payload: text("Hello World!")})
				s.SendClose(closeNormal, nil)
				s.SendFrame(frameSpec{Opcode: opPing})
				s.KillAfter(1)
			},
			judge: func(s *session) {
				switch s.Behavior {
				case OK:
					s.Result = "Text message was processed before close."
				case NonStrict:
					s.Result = "Close was processed before text message could be returned."
				}
				s.Behavior = Informational
				s.BehaviorClose = Informational
			}},
		closeCase("7.3.1", "Send a close frame with payload length 0 (no close code, no close reason)", "Clean close with normal code.", normal, true, func(s *session) {
			rawClose(s, -1, nil)
		}),
		closeCase("7.3.2", "Send a close frame with payload length 1", "Clean close with protocol error or drop TCP.", protocol, false, func(s *session) {
			// A 1-octet close payload: the "a" alone, no code.
			s.sendClosePayload(text("a"), -1, nil)
		}),
		closeCase("7.3.3", "Send a close frame with payload length 2 (regular close with a code)", "Clean close with normal code.", normal, true, func(s *session) {
			s.SendClose(closeNormal, nil)
		}),
		closeCase("7.3.4", "Send a close frame with close code and close reason", "Clean close with normal code.", normal, true, func(s *session) {
			s.SendClose(closeNormal, text("Hello World!"))
		}),
		closeCase("7.3.5", "Send a close frame with close code and close reason of maximum length (123)", "Clean close with normal code.", normal, true, func(s *session) {
			s.SendClose(closeNormal, bytes.Repeat([]byte{'*'}, 123))
		}),
		closeCase("7.3.6", "Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets", "Clean close with protocol error code or dropped TCP connection.", protocol, false, func(s *session) {
			rawClose(s, closeNormal, bytes.Repeat([]byte{'*'}, 124))
		}),
		closeCase("7.5.1", "Send a close frame with invalid UTF8 payload", "Clean close with protocol error or invalid utf8 code or dropped TCP.", []int{closeProtocolError, closeInvalidPayload}, false, func(s *session) {
			rawClose(s, closeNormal, []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64"))
		}),
	}
	for i, code := range []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999} {
		code := code
		cs = append(cs, closeCase(fmt.Sprintf("7.7.%d", i+1), fmt.Sprintf("Send close with valid close code %d", code),
			"Clean close with normal or echoed code", []int{closeNormal, code}, true, func(s *session) { rawClose(s, code, nil) }))
	}
	for i, code := range []int{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999} {
		code := code
		cs = append(cs, closeCase(fmt.Sprintf("7.9.%d", i+1), fmt.Sprintf("Send close with invalid close code %d", code),
			"Clean close with protocol error code or drop TCP", protocol, false, func(s *session) { rawClose(s, code, nil) }))
	}
	for i, code := range []int{5000, 65535} {
		code := code
		c := closeCase(fmt.Sprintf("7.13.%d", i+1), fmt.Sprintf("Send close with close code %d", code),
			"Actual events are undefined by the spec.", []int{closeNormal, code, closeProtocolError}, false, func(s *session) { rawClose(s, code, nil) })
		c.judge = func(s *session) {
			s.Behavior = Informational
			s.BehaviorClose = Informational
			s.Result = "Actual events are undefined by the spec."
		}
		cs = append(cs, c)
	}
	addSection(cs...)
}
