package conformance

import "fmt"

// Section 9: limits and performance. These cases move up to 16 MiB per
// message, judge by length and type only (as Autobahn does), switch the
// wire log off while they run, and never run in parallel with others.
func init() {
	var cs []*Case
	const kib, mib = 1 << 10, 1 << 20
	sizeName := func(n int) string {
		if n >= mib {
			return fmt.Sprintf("%d * 2**20 (%dM)", n/mib, n/mib)
		}
		return fmt.Sprintf("%d * 2**10 (%dk)", n/kib, n/kib)
	}
	// bigCase sends one message and expects it back, whole, in waitSecs.
	// Autobahn's payload patterns, repeated to the message size: whole
	// messages (9.1, 9.2) and chopped ones (9.5, 9.6) use these, the
	// fragmented ones (9.3, 9.4) "*" and 0xfe.
	wholeText, wholeBinary := text("BAsd7&jh23"), []byte{0x00, 0xfe, 0x23, 0xfa, 0xf0}
	fragText, fragBinary := text("*"), []byte{0xfe}
	bigCase := func(id, desc string, binary bool, pattern []byte, n int, waitSecs float64, send func(s *session, payload []byte, op byte)) *Case {
		kind, op := "text", byte(opText)
		if binary {
			kind, op = "binary", opBinary
		}
		return &Case{ID: id, Description: desc,
			Expectation: fmt.Sprintf("Receive echo'ed %s message (with payload as sent).", kind),
			ReportTime:  true, Performance: true, cost: costOf(1, n, false),
			open: func(s *session) {
				s.EnableWirelog(false)
				s.ExpectedClose = ExpectedClose{ClosedByMe: true, CloseCode: []int{closeNormal}, RequireClean: true}
				s.Result = fmt.Sprintf("Did not receive message within %v seconds.", waitSecs)
				send(s, repeatTo(pattern, n), op)
				s.CloseAfter(waitSecs)
			},
			onMessage: func(s *session, msg []byte, gotBinary bool) {
				switch {
				case gotBinary != binary:
					s.Result = fmt.Sprintf("Expected %s message with payload, but got %s.", kind, map[bool]string{true: "binary", false: "text"}[gotBinary])
				case len(msg) != n:
					s.Result = fmt.Sprintf("Expected %s message with payload of length %d, but got %d.", kind, n, len(msg))
				default:
					s.Behavior = OK
					s.Result = fmt.Sprintf("Received %s message of length %d.", kind, len(msg))
				}
				s.EnableWirelog(true)
				s.SendClose(closeNormal, nil)
			}}
	}
	sendWhole := func(s *session, p []byte, op byte) { s.SendFrame(frameSpec{Opcode: op, Payload: p}) }
	for sub, binary := range []bool{false, true} {
		kind, whole, frag := "text", wholeText, fragText
		if binary {
			kind, whole, frag = "binary", wholeBinary, fragBinary
		}
		// 9.1 / 9.2: one message of increasing size.
		for i, d := range []struct {
			n    int
			wait float64
		}{{64 * kib, 10}, {256 * kib, 10}, {1 * mib, 100}, {4 * mib, 100}, {8 * mib, 100}, {16 * mib, 100}} {
			cs = append(cs, bigCase(fmt.Sprintf("9.%d.%d", sub+1, i+1),
				fmt.Sprintf("Send %s message message with payload of length %s.", kind, sizeName(d.n)), binary, whole, d.n, d.wait, sendWhole))
		}
		// 9.3 / 9.4: a 4 MiB message in fragments of increasing size.
		for i, fragSize := range []int{64, 256, 1 * kib, 4 * kib, 16 * kib, 64 * kib, 256 * kib, 1 * mib, 4 * mib} {
			fragSize := fragSize
			cs = append(cs, bigCase(fmt.Sprintf("9.%d.%d", sub+3, i+1),
				fmt.Sprintf("Send fragmented %s message message with message payload of length 4 * 2**20 (4M). Sent out in fragments of %d.", kind, fragSize),
				binary, frag, 4*mib, 100, func(s *session, p []byte, op byte) { s.SendMessage(p, op == opBinary, fragSize) }))
		}
		// 9.5 / 9.6: a 1 MiB message written in chops of increasing size.
		for i, chop := range []int{64, 128, 256, 512, 1024, 2048} {
			chop := chop
			cs = append(cs, bigCase(fmt.Sprintf("9.%d.%d", sub+5, i+1),
				fmt.Sprintf("Send %s message message with payload of length 1 * 2**20 (1M). Sent out data in chops of %d octets.", kind, chop),
				binary, whole, 1*mib, 1000, func(s *session, p []byte, op byte) { s.SendFrame(frameSpec{Opcode: op, Payload: p, Chop: chop}) }))
		}
		// 9.7 / 9.8: 1000 round trips of increasing size.
		for i, d := range []struct {
			n    int
			wait float64
		}{{0, 60}, {16, 60}, {64, 60}, {256, 120}, {1024, 240}, {4096, 480}} {
			cs = append(cs, roundTrips(fmt.Sprintf("9.%d.%d", sub+7, i+1), binary, d.n, 1000, d.wait))
		}
	}
	addSection(cs...)
}

// roundTrips sends count messages of n octets one after the other, each
// only once the previous one came back.
func roundTrips(id string, binary bool, n, count int, waitSecs float64) *Case {
	kind, op, pattern := "text", byte(opText), text("*")
	if binary {
		kind, op, pattern = "binary", opBinary, []byte{0xfe}
	}
	payload := repeatTo(pattern, n)
	if n == 0 {
		payload = nil
	}
	return &Case{ID: id,
		Description: fmt.Sprintf("Send %d %s messages of payload size %d to measure implementation/network RTT (round trip time) / latency.", count, kind, n),
		Expectation: fmt.Sprintf("Receive echo'ed %s messages (with payload as sent). Timeout case after %v secs.", kind, waitSecs),
		ReportTime:  true, Performance: true, cost: costOf(count, n, false),
		open: func(s *session) {
			s.EnableWirelog(false)
			s.ExpectedClose = ExpectedClose{ClosedByMe: true, CloseCode: []int{closeNormal}, RequireClean: true}
			s.Result = fmt.Sprintf("Case did not finish within %v seconds.", waitSecs)
			s.CloseAfter(waitSecs)
			s.count = 1
			s.SendFrame(frameSpec{Opcode: op, Payload: payload})
		},
		onMessage: func(s *session, msg []byte, gotBinary bool) {
			switch {
			case gotBinary != binary || len(msg) != n:
				s.Behavior = Failed
				s.Result = fmt.Sprintf("Echo'ed message type or length differs from what I sent (got binary = %v, payload length = %d).", gotBinary, len(msg))
			case s.count < count:
				s.count++
				s.SendFrame(frameSpec{Opcode: op, Payload: payload})
				return
			default:
				s.Behavior = OK
				s.Result = "Ok, received all echo'ed messages in time."
			}
			s.EnableWirelog(true)
			s.SendClose(closeNormal, nil)
		}}
}
