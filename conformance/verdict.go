package conformance

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Verdicts, spelled as Autobahn spells them in its reports. A case's
// behavior is one of OK, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED or
// FAILED; its closing behaviour (behaviorClose) is OK, INFORMATIONAL,
// WRONG CODE, UNCLEAN, FAILED BY CLIENT or FAILED.
const (
	OK             = "OK"
	NonStrict      = "NON-STRICT"
	Informational  = "INFORMATIONAL"
	Unimplemented  = "UNIMPLEMENTED"
	Failed         = "FAILED"
	WrongCode      = "WRONG CODE"
	Unclean        = "UNCLEAN"
	FailedByClient = "FAILED BY CLIENT"
)

// verdictOrder is the order in which expected outcomes are tried.
var verdictOrder = []string{OK, NonStrict, Informational}

// Event is one thing the peer did that a case records: a message, a pong
// (or ping), or a "timeout" marker a case appends when a wait ran out
// without the peer failing the connection.
type Event struct {
	Kind    string // "message", "ping", "pong" or "timeout"
	Payload []byte // message or control payload; the tag for "timeout"
	Binary  bool   // for "message": binary (true) or text (false)
}

func msgEvent(payload []byte, binary bool) Event {
	return Event{Kind: "message", Payload: payload, Binary: binary}
}

func pongEvent(payload []byte) Event { return Event{Kind: "pong", Payload: payload} }

func (e Event) equal(o Event) bool {
	return e.Kind == o.Kind && e.Binary == o.Binary && bytes.Equal(e.Payload, o.Payload)
}

func eventsEqual(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].equal(b[i]) {
			return false
		}
	}
	return true
}

// maxShownPayload bounds how much of a payload reports show, so that a
// 16 MiB echo cannot blow up a report.
const maxShownPayload = 256

// showPayload renders a payload for reports: as text when it is valid
// UTF-8 (and not a binary message), else as 0x-prefixed hex; long payloads
// are cut with " ...".
func showPayload(p []byte, binary bool) string {
	cut := p
	if len(cut) > maxShownPayload {
		cut = cut[:maxShownPayload]
	}
	var s string
	if !binary && utf8.Valid(p) {
		// Cut on a rune boundary so the shown text stays valid UTF-8.
		for len(cut) > 0 && !utf8.Valid(cut) {
			cut = cut[:len(cut)-1]
		}
		s = string(cut)
	} else {
		s = "0x" + hex.EncodeToString(cut)
	}
	if len(cut) < len(p) {
		s += fmt.Sprintf(" ... (%d octets)", len(p))
	}
	return s
}

// MarshalJSON writes the event as Autobahn does: a list such as
// ["message", "Hello", false] or ["pong", "payload"].
func (e Event) MarshalJSON() ([]byte, error) {
	var v []any
	switch e.Kind {
	case "message":
		v = []any{e.Kind, showPayload(e.Payload, e.Binary), e.Binary}
	case "timeout":
		v = []any{e.Kind, string(e.Payload)}
	default:
		v = []any{e.Kind, showPayload(e.Payload, false)}
	}
	return json.Marshal(v)
}

// String renders the event as in the reports.
func (e Event) String() string {
	b, _ := e.MarshalJSON()
	return string(b)
}

func eventsString(ev []Event) string {
	parts := make([]string, len(ev))
	for i, e := range ev {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ExpectedClose is a case's expected closing behaviour, as Autobahn's
// expectedClose: who starts the closing handshake, which close codes the
// peer may send, and whether the close must be clean.
type ExpectedClose struct {
	ClosedByMe   bool  `json:"closedByMe"`
	CloseCode    []int `json:"closeCode"`
	RequireClean bool  `json:"requireClean"`
	// ClosedByWrongEndpointIsFatal makes the case FAILED (not only its
	// closing behaviour) when the wrong endpoint closed.
	ClosedByWrongEndpointIsFatal bool `json:"closedByWrongEndpointIsFatal,omitempty"`
}

// Passed reports whether a case with this behavior and closing behaviour
// counts as passed: NON-STRICT and INFORMATIONAL pass, and so does an
// informational closing behaviour; a wrong close code, an unclean close,
// a TCP connection the fuzzing client had to drop and every failure do not.
func Passed(behavior, behaviorClose string) bool {
	switch behavior {
	case OK, NonStrict, Informational:
	default:
		return false
	}
	return behaviorClose == OK || behaviorClose == Informational
}
