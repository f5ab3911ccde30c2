package conformance

import (
	"bytes"
	"fmt"
)

// Section 10: auto-fragmentation. The fuzzer fragments its own message
// (frames of 1300 octets) and checks both the echo and its own frame
// counts.
func init() {
	const size, frag = 65536, 1300
	addSection(&Case{ID: "10.1.1",
		Description: fmt.Sprintf("Send text message with payload of length %d auto-fragmented with <b>autoFragmentSize = %d</b>.", size, frag),
		Expectation: "Receive echo'ed text message (with payload as sent and transmitted frame counts as expected). Clean close with normal code.",
		open: func(s *session) {
			payload := bytes.Repeat([]byte{'*'}, size)
			s.AutoFragmentSize = frag
			expectEcho(s, msgEvent(payload, false))
			s.SendMessage(payload, false, 0)
			s.KillAfter(10)
		},
		judge: func(s *session) {
			want := map[int]int{opContinuation: size / frag, opText: 1}
			got := map[int]int{opContinuation: s.txFrameStats[opContinuation], opText: s.txFrameStats[opText]}
			if got[0] != want[0] || got[1] != want[1] {
				s.Behavior = Failed
				s.Result = fmt.Sprintf("Frames transmitted %v does not match what we expected %v.", got, want)
			}
		}})
}
