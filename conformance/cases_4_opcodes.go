package conformance

import "fmt"

// Section 4: reserved opcodes, non-control (3-7, 4.1) and control
// (11-15, 4.2). Each must fail the connection.
func init() {
	var cs []*Case
	for sub, ops := range [][]byte{{3, 4, 5, 6, 7}, {11, 12, 13, 14, 15}} {
		kind := "non-control"
		if sub == 1 {
			kind = "control"
		}
		for i, op := range ops {
			op, kind := op, kind
			id := fmt.Sprintf("4.%d.%d", sub+1, i+1)
			var c *Case
			switch i {
			case 0:
				c = &Case{Description: fmt.Sprintf("Send frame with reserved %s <b>Opcode = %d</b>.", kind, op),
					Expectation: "The connection is failed immediately.",
					open: func(s *session) {
						expectFail(s, closeProtocolError)
						s.SendFrame(frameSpec{Opcode: op})
						s.KillAfter(1)
					}}
			case 1:
				c = &Case{Description: fmt.Sprintf("Send frame with reserved %s <b>Opcode = %d</b> and non-empty payload.", kind, op),
					Expectation: "The connection is failed immediately.",
					open: func(s *session) {
						expectFail(s, closeProtocolError)
						s.SendFrame(frameSpec{Opcode: op, Payload: text("reserved opcode payload")})
						s.KillAfter(1)
					}}
			default:
				// A valid message, the reserved-opcode frame, then a ping;
				// x.4 and x.5 give the reserved frame a payload, x.5 sends
				// everything in octet-wise chops.
				withPayload, chop := i >= 3, 0
				if i == 4 {
					chop = 1
				}
				pl := ""
				if withPayload {
					pl = " and non-empty payload"
				}
				c = &Case{Description: fmt.Sprintf("Send small text message, then send frame with reserved %s <b>Opcode = %d</b>%s, then send Ping.", kind, op, pl),
					Expectation: "Echo for first message is received, but then connection is failed immediately, since reserved opcode frame is used. A Pong is not received.",
					open: func(s *session) {
						p := text("Hello, world!")
						expectFail(s, closeProtocolError)
						s.Expected[OK] = []Event{msgEvent(p, false)}
						s.Expected[NonStrict] = []Event{}
						var rp []byte
						if withPayload {
							rp = p
						}
						s.SendFrame(frameSpec{Opcode: opText, Payload: p, Chop: chop})
						s.SendFrame(frameSpec{Opcode: op, Payload: rp, Chop: chop})
						s.SendFrame(frameSpec{Opcode: opPing, Chop: chop})
						s.KillAfter(1)
					}}
			}
			c.ID = id
			cs = append(cs, c)
		}
	}
	addSection(cs...)
}
