package conformance

import (
	"bytes"
	"fmt"
)

// Section 1: framing. Text (1.1) and binary (1.2) messages of the payload
// lengths around the 7-bit/16-bit/64-bit length encodings.
func init() {
	type def struct {
		n, chop int
		kill    float64
	}
	defs := []def{{0, 0, 1}, {125, 0, 1}, {126, 0, 1}, {127, 0, 1}, {128, 0, 1}, {65535, 0, 1}, {65536, 0, 1}, {65536, 997, 10}}
	var cs []*Case
	for sub, binary := range []bool{false, true} {
		for i, d := range defs {
			d, binary := d, binary
			kind, fill, op := "text", byte('*'), byte(opText)
			if binary {
				kind, fill, op = "binary", 0xfe, opBinary
			}
			desc := fmt.Sprintf("Send %s message message with payload of length %d.", kind, d.n)
			if d.n == 0 {
				desc = fmt.Sprintf("Send %s message with payload 0.", kind)
			}
			if d.chop > 0 {
				desc = fmt.Sprintf("Send %s message message with payload of length %d. Sent out data in chops of %d octets.", kind, d.n, d.chop)
			}
			cs = append(cs, &Case{
				ID:          fmt.Sprintf("1.%d.%d", sub+1, i+1),
				Description: desc,
				Expectation: fmt.Sprintf("Receive echo'ed %s message (with payload as sent). Clean close with normal code.", kind),
				open: func(s *session) {
					payload := bytes.Repeat([]byte{fill}, d.n)
					expectEcho(s, msgEvent(payload, binary))
					s.SendFrame(frameSpec{Opcode: op, Payload: payload, Chop: d.chop})
					s.KillAfter(d.kill)
				},
			})
		}
	}
	addSection(cs...)
}
