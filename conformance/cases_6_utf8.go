package conformance

import (
	"encoding/hex"
	"fmt"
)

// kosme is "κόσμε", the Greek word Markus Kuhn's UTF-8 test file opens with.
var kosme = []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")

// utf8Group is one subcategory 6.5 and up: Markus Kuhn's UTF-8 decoder
// test sequences (http://www.cl.cam.ac.uk/~mgk25/ucs/examples/UTF-8-test.txt)
// in Autobahn's grouping and order; valid says whether each is valid UTF-8.
type utf8Group struct {
	name  string
	seqs  [][]byte
	valid []bool
}

func (g *utf8Group) add(valid bool, s string) {
	g.seqs = append(g.seqs, []byte(s))
	g.valid = append(g.valid, valid)
}

// utf8Groups lists the groups as Autobahn builds them (case6_x_x.py); the
// validity of every entry is written out by hand, except the prefixes of
// κόσμε, where it is "ends on a code point boundary".
func utf8Groups() []*utf8Group {
	var gs []*utf8Group
	g := func(name string) *utf8Group {
		x := &utf8Group{name: name}
		gs = append(gs, x)
		return x
	}
	x := g("Some valid UTF-8 sequences")
	x.add(true, "hello\x24world")
	x.add(true, "hello\xc2\xa2world")
	x.add(true, "hello\xe2\x82\xacworld")
	x.add(true, "hello\xf0\xa4\xad\xa2world")
	x.add(true, string(kosme))

	x = g("All prefixes of a valid UTF-8 string that contains multi-byte code points")
	for i := 1; i <= len(kosme); i++ {
		// κόσμε's code points end after octets 2, 5, 7, 9 and 11.
		x.add(i == 2 || i == 5 || i == 7 || i == 9 || i == 11, string(kosme[:i]))
	}

	x = g("First possible sequence of a certain length")
	x.add(true, "\x00")
	x.add(true, "\xc2\x80")
	x.add(true, "\xe0\xa0\x80")
	x.add(true, "\xf0\x90\x80\x80")

	x = g("First possible sequence length 5/6 (invalid codepoints)")
	x.add(false, "\xf8\x88\x80\x80\x80")
	x.add(false, "\xfc\x84\x80\x80\x80\x80")

	x = g("Last possible sequence of a certain length")
	x.add(true, "\x7f")
	x.add(true, "\xdf\xbf")
	x.add(true, "\xef\xbf\xbf")
	x.add(true, "\xf4\x8f\xbf\xbf")

	x = g("Last possible sequence length 4/5/6 (invalid codepoints)")
	x.add(false, "\xf7\xbf\xbf\xbf")
	x.add(false, "\xfb\xbf\xbf\xbf\xbf")
	x.add(false, "\xfd\xbf\xbf\xbf\xbf\xbf")

	x = g("Other boundary conditions")
	x.add(true, "\xed\x9f\xbf")
	x.add(true, "\xee\x80\x80")
	x.add(true, "\xef\xbf\xbd")
	x.add(true, "\xf4\x8f\xbf\xbf")
	x.add(false, "\xf4\x90\x80\x80")

	x = g("Unexpected continuation bytes")
	x.add(false, "\x80")
	x.add(false, "\xbf")
	x.add(false, "\x80\xbf")
	x.add(false, "\x80\xbf\x80")
	x.add(false, "\x80\xbf\x80\xbf")
	x.add(false, "\x80\xbf\x80\xbf\x80")
	x.add(false, "\x80\xbf\x80\xbf\x80\xbf")
	var all []byte
	for b := 0x80; b < 0xbf; b++ { // Autobahn's range stops before 0xbf
		all = append(all, byte(b))
	}
	x.add(false, string(all))

	x = g("Lonely start characters")
	for _, r := range [][2]int{{0xc0, 0xdf}, {0xe0, 0xef}, {0xf0, 0xf7}, {0xf8, 0xfb}, {0xfc, 0xfd}} {
		var s []byte
		for b := r[0]; b < r[1]; b++ {
			s = append(s, byte(b), 0x20)
		}
		x.add(false, string(s))
	}

	x = g("Sequences with last continuation byte missing")
	missing := []string{"\xc0", "\xe0\x80", "\xf0\x80\x80", "\xf8\x80\x80\x80", "\xfc\x80\x80\x80\x80",
		"\xdf", "\xef\xbf", "\xf7\xbf\xbf", "\xfb\xbf\xbf\xbf", "\xfd\xbf\xbf\xbf\xbf"}
	concat := ""
	for _, m := range missing {
		x.add(false, m)
		concat += m
	}

	x = g("Concatenation of incomplete sequences")
	x.add(false, concat)

	x = g("Impossible bytes")
	x.add(false, "\xfe")
	x.add(false, "\xff")
	x.add(false, "\xfe\xfe\xff\xff")

	x = g("Examples of an overlong ASCII character")
	x.add(false, "\xc0\xaf")
	x.add(false, "\xe0\x80\xaf")
	x.add(false, "\xf0\x80\x80\xaf")
	x.add(false, "\xf8\x80\x80\x80\xaf")
	x.add(false, "\xfc\x80\x80\x80\x80\xaf")

	x = g("Maximum overlong sequences")
	x.add(false, "\xc1\xbf")
	x.add(false, "\xe0\x9f\xbf")
	x.add(false, "\xf0\x8f\xbf\xbf")
	x.add(false, "\xf8\x87\xbf\xbf\xbf")
	x.add(false, "\xfc\x83\xbf\xbf\xbf\xbf")

	x = g("Overlong representation of the NUL character")
	x.add(false, "\xc0\x80")
	x.add(false, "\xe0\x80\x80")
	x.add(false, "\xf0\x80\x80\x80")
	x.add(false, "\xf8\x80\x80\x80\x80")
	x.add(false, "\xfc\x80\x80\x80\x80\x80")

	x = g("Single UTF-16 surrogates")
	for _, s := range []string{"\xed\xa0\x80", "\xed\xad\xbf", "\xed\xae\x80", "\xed\xaf\xbf", "\xed\xb0\x80", "\xed\xbe\x80", "\xed\xbf\xbf"} {
		x.add(false, s)
	}

	x = g("Paired UTF-16 surrogates")
	for _, s := range []string{"\xed\xa0\x80\xed\xb0\x80", "\xed\xa0\x80\xed\xbf\xbf", "\xed\xad\xbf\xed\xb0\x80", "\xed\xad\xbf\xed\xbf\xbf",
		"\xed\xae\x80\xed\xb0\x80", "\xed\xae\x80\xed\xbf\xbf", "\xed\xaf\xbf\xed\xb0\x80", "\xed\xaf\xbf\xed\xbf\xbf"} {
		x.add(false, s)
	}

	x = g("Non-character code points (valid UTF-8)")
	x.add(true, "\xef\xbf\xbe")
	x.add(true, "\xef\xbf\xbf")
	for _, z1 := range []byte{0xf0, 0xf1, 0xf2, 0xf3, 0xf4} {
		for _, z2 := range []byte{0x8f, 0x9f, 0xaf, 0xbf} {
			if z1 == 0xf4 && z2 != 0x8f {
				continue // beyond U+10FFFF
			}
			for _, z3 := range []byte{0xbe, 0xbf} {
				if z1 == 0xf0 && z2 == 0x8f {
					continue // overlong
				}
				x.add(true, string([]byte{z1, z2, 0xbf, z3}))
			}
		}
	}

	x = g("Unicode specials (i.e. replacement char)")
	for _, s := range []string{"\xef\xbf\xb9", "\xef\xbf\xba", "\xef\xbf\xbb", "\xef\xbf\xbc", "\xef\xbf\xbd", "\xef\xbf\xbe", "\xef\xbf\xbf"} {
		x.add(true, s)
	}
	return gs
}

// Section 6: UTF-8 handling.
func init() {
	hello := []byte("Hello-µ@ßöäüàá-UTF-8!!")
	invalid := append(append(append([]byte{}, kosme...), "\xed\xa0\x80"...), "\x65\x64\x69\x74\x65\x64"...)
	failFastP2 := []byte("\xf4\x90\x80\x80")
	failFast := append(append(append([]byte{}, kosme...), failFastP2...), "\x65\x64\x69\x74\x65\x64"...)

	echo := func(id, desc string, ev Event, send func(s *session)) *Case {
		return &Case{ID: id, Description: desc, Expectation: "The message is echo'ed back to us.",
			open: func(s *session) {
				expectEcho(s, ev)
				send(s)
				s.CloseAfter(1)
			}}
	}
	invalidUTF8 := func(id, desc string, frag int) *Case {
		return &Case{ID: id, Description: desc,
			Expectation: "The connection is failed immediately, since the payload is not valid UTF-8.",
			open: func(s *session) {
				expectFail(s, closeInvalidPayload)
				s.ExpectedClose.ClosedByWrongEndpointIsFatal = frag > 0 // as Autobahn's 6.3.2, not 6.3.1
				s.SendMessage(invalid, false, frag)
				s.KillAfter(1)
			}}
	}
	// Fail-fast cases: three parts, with a 1 s wait after the first and
	// the second. The peer should fail on the part that makes the payload
	// invalid (OK); failing only on the whole message is NON-STRICT.
	failFastCase := func(id, desc, exp string, parts [3][]byte, chops bool) *Case {
		return &Case{ID: id, Description: desc, Expectation: exp,
			open: func(s *session) {
				s.Expected[OK] = []Event{{Kind: "timeout", Payload: text("A")}}
				s.Expected[NonStrict] = []Event{{Kind: "timeout", Payload: text("A")}, {Kind: "timeout", Payload: text("B")}}
				s.ExpectedClose = ExpectedClose{ClosedByMe: false, CloseCode: []int{closeInvalidPayload}, ClosedByWrongEndpointIsFatal: true}
				var whole []byte
				if chops {
					// One frame whose octets go out in three chops.
					total := len(parts[0]) + len(parts[1]) + len(parts[2])
					payload := append(append(append([]byte{}, parts[0]...), parts[1]...), parts[2]...)
					whole = s.encode(nil, frameSpec{Opcode: opText, Payload: payload})
					s.sendRaw(whole[:len(whole)-total+len(parts[0])])
				} else {
					s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: parts[0]})
				}
				s.ContinueLater(1, "A", func() {
					s.Received = append(s.Received, Event{Kind: "timeout", Payload: text("A")})
					if chops {
						end := len(whole) - len(parts[2])
						s.sendRaw(whole[end-len(parts[1]) : end])
					} else {
						s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: true, Payload: parts[1]})
					}
					s.ContinueLater(1, "B", func() {
						s.Received = append(s.Received, Event{Kind: "timeout", Payload: text("B")})
						if chops {
							s.sendRaw(whole[len(whole)-len(parts[2]):])
						} else {
							s.SendFrame(frameSpec{Opcode: opContinuation, Payload: parts[2]})
						}
						s.KillAfter(1)
					})
				})
			}}
	}
	partsDesc := func(p [3][]byte) string {
		return fmt.Sprintf("\n<br><br>MESSAGE PARTS:<br>\nPART1 = %x<br>\nPART2 = %x<br>\nPART3 = %x<br>\n", p[0], p[1], p[2])
	}
	p641 := [3][]byte{kosme, failFastP2, []byte("\x65\x64\x69\x74\x65\x64")}
	p642 := [3][]byte{failFast[:12], failFast[12:13], failFast[13:]}
	const frameExp = "The first frame is accepted, we expect to timeout on the first wait. The 2nd frame should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the connection is failed at least then, since the complete message payload is not valid UTF-8."
	const chopExp = "The first chop is accepted, we expect to timeout on the first wait. The 2nd chop should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the connection is failed at least then, since the complete message payload is not valid UTF-8."

	cs := []*Case{
		echo("6.1.1", "Send text message of length 0.", msgEvent([]byte{}, false), func(s *session) {
			s.SendFrame(frameSpec{Opcode: opText})
		}),
		echo("6.1.2", "Send fragmented text message, 3 fragments each of length 0.", msgEvent([]byte{}, false), func(s *session) {
			s.SendFrame(frameSpec{Opcode: opText, NotFin: true})
			s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: true})
			s.SendFrame(frameSpec{Opcode: opContinuation})
		}),
		echo("6.1.3", "Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.", msgEvent(text("middle frame payload"), false), func(s *session) {
			s.SendFrame(frameSpec{Opcode: opText, NotFin: true})
			s.SendFrame(frameSpec{Opcode: opContinuation, NotFin: true, Payload: text("middle frame payload")})
			s.SendFrame(frameSpec{Opcode: opContinuation})
		}),
		echo("6.2.1", fmt.Sprintf("Send a valid UTF-8 text message in one fragment.<br><br>MESSAGE:<br>%s<br>%x", hello, hello), msgEvent(hello, false), func(s *session) {
			s.SendMessage(hello, false, 0)
		}),
		echo("6.2.2", fmt.Sprintf("Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.<br><br>MESSAGE FRAGMENT 1:<br>%s<br>%x<br><br>MESSAGE FRAGMENT 2:<br>%s<br>%x", hello[:15], hello[:15], hello[15:], hello[15:]), msgEvent(hello, false), func(s *session) {
			s.SendFrame(frameSpec{Opcode: opText, NotFin: true, Payload: hello[:15]})
			s.SendFrame(frameSpec{Opcode: opContinuation, Payload: hello[15:]})
		}),
		echo("6.2.3", fmt.Sprintf("Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.<br><br>MESSAGE:<br>%s<br>%x", hello, hello), msgEvent(hello, false), func(s *session) {
			s.SendMessage(hello, false, 1)
		}),
		echo("6.2.4", fmt.Sprintf("Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.<br><br>MESSAGE:<br>%s<br>%x", kosme, kosme), msgEvent(kosme, false), func(s *session) {
			s.SendMessage(kosme, false, 1)
		}),
		invalidUTF8("6.3.1", fmt.Sprintf("Send invalid UTF-8 text message unfragmented.<br><br>MESSAGE:<br>%x", invalid), 0),
		invalidUTF8("6.3.2", fmt.Sprintf("Send invalid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.<br><br>MESSAGE:<br>%x", invalid), 1),
		failFastCase("6.4.1", "Send invalid UTF-8 text message in 3 fragments (frames).\nFirst frame payload is valid, then wait, then 2nd frame which contains the payload making the sequence invalid, then wait, then 3rd frame with rest.\nNote that PART1 and PART3 are valid UTF-8 in themselves, PART2 is a 0x110000 encoded as in the UTF-8 integer encoding scheme, but the codepoint is invalid (out of range)."+partsDesc(p641), frameExp, p641, false),
		failFastCase("6.4.2", "Same as Case 6.4.1, but in 2nd frame, we send only up to and including the octet making the complete payload invalid."+partsDesc(p642), frameExp, p642, false),
		failFastCase("6.4.3", "Same as Case 6.4.1, but we send message not in 3 frames, but in 3 chops of the same message frame."+partsDesc(p641), chopExp, p641, true),
		failFastCase("6.4.4", "Same as Case 6.4.2, but we send message not in 3 frames, but in 3 chops of the same message frame."+partsDesc(p642), chopExp, p642, true),
	}
	for gi, g := range utf8Groups() {
		sub := gi + 5
		subcategories[fmt.Sprintf("6.%d", sub)] = g.name
		for j, seq := range g.seqs {
			seq, valid := seq, g.valid[j]
			c := &Case{ID: fmt.Sprintf("6.%d.%d", sub, j+1)}
			if valid {
				c.Description = "Send a text message with payload which is valid UTF-8 in one fragment.<br><br>Payload: 0x" + hex.EncodeToString(seq)
				c.Expectation = "The message is echo'ed back to us."
			} else {
				c.Description = "Send a text message with payload which is not valid UTF-8 in one fragment.<br><br>Payload: 0x" + hex.EncodeToString(seq)
				c.Expectation = "The connection is failed immediately, since the payload is not valid UTF-8."
			}
			c.open = func(s *session) {
				if valid {
					expectEcho(s, msgEvent(seq, false))
				} else {
					expectFail(s, closeInvalidPayload)
					s.ExpectedClose.ClosedByWrongEndpointIsFatal = true
				}
				s.SendMessage(seq, false, 0)
				s.KillAfter(0.5)
			}
			cs = append(cs, c)
		}
	}
	addSection(cs...)
}
