package conformance

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"strings"
)

// Sections 12 and 13: permessage-deflate. Every case sends 1000 messages
// of one size, one after the other, each once the previous echo came
// back, compressed (and, for some sizes, auto-fragmented on the wire), and
// checks each echo's type, length and SHA-1. Section 12 varies the payload
// (five kinds, Autobahn's default offer), section 13 the negotiated
// parameters (seven offer/accept pairs, JSON payload). A peer that
// declines the extension gets UNIMPLEMENTED, as in Autobahn.

// deflateSize is one row of Autobahn's MSG_SIZES: payload length, message
// count, case timeout in seconds and auto-fragment size (0: none).
type deflateSize struct {
	n, count int
	wait     float64
	frag     int
}

var deflateSizes = []deflateSize{
	{16, 1000, 60, 0}, {64, 1000, 60, 0}, {256, 1000, 120, 0}, {1024, 1000, 240, 0},
	{4096, 1000, 480, 0}, {8192, 1000, 480, 0}, {16384, 1000, 480, 0}, {32768, 1000, 480, 0},
	{65536, 1000, 480, 0}, {131072, 1000, 480, 0},
	{8192, 1000, 480, 256}, {16384, 1000, 480, 256}, {32768, 1000, 480, 256}, {65536, 1000, 480, 256},
	{131072, 1000, 480, 256}, {131072, 1000, 480, 1024}, {131072, 1000, 480, 4096}, {131072, 1000, 480, 32768},
}

// Autobahn's server-side accept functions (accept1..accept7 in
// case12_x_x.py): each looks through the client's offers in order and
// answers the first it can, or declines. accept3 and accept5 ask for a
// client window of 9 bits: Autobahn asked for 8 until zlib stopped
// supporting 8-bit raw deflate windows, and its current releases ask for 9.
func acceptFirst(offers []pmdOffer, ok func(pmdOffer) bool, noContext bool, bits int) (pmdAccept, bool) {
	for _, o := range offers {
		if ok(o) {
			if bits != 0 && o.clientWindowHint != 0 && o.clientWindowHint < bits {
				bits = o.clientWindowHint
			}
			return pmdAccept{offer: o, requestNoContextTakeover: noContext, requestMaxWindowBits: bits}, true
		}
	}
	return pmdAccept{}, false
}

func anyOffer(pmdOffer) bool                  { return true }
func noCtxOK(o pmdOffer) bool                 { return o.acceptNoContextTakeover }
func bitsOK(o pmdOffer) bool                  { return o.acceptMaxWindowBits }
func noCtxBitsOK(o pmdOffer) bool             { return o.acceptNoContextTakeover && o.acceptMaxWindowBits }
func accept1(os []pmdOffer) (pmdAccept, bool) { return acceptFirst(os, anyOffer, false, 0) }
func accept2(os []pmdOffer) (pmdAccept, bool) { return acceptFirst(os, noCtxOK, true, 0) }
func accept3(os []pmdOffer) (pmdAccept, bool) { return acceptFirst(os, bitsOK, false, 9) }
func accept4(os []pmdOffer) (pmdAccept, bool) { return acceptFirst(os, bitsOK, false, 15) }
func accept5(os []pmdOffer) (pmdAccept, bool) { return acceptFirst(os, noCtxBitsOK, true, 9) }
func accept6(os []pmdOffer) (pmdAccept, bool) { return acceptFirst(os, noCtxBitsOK, true, 15) }
func accept7(os []pmdOffer) (pmdAccept, bool) {
	for _, f := range []func([]pmdOffer) (pmdAccept, bool){accept5, accept2, accept1} {
		if a, ok := f(os); ok {
			return a, true
		}
	}
	return pmdAccept{}, false
}

// deflateParamSets are section 13's subcategories: the client's offers and
// the server's accept, with the accept's description as Autobahn prints
// it (its docstring).
var deflateParamSets = []struct {
	offers     []pmdOffer
	accept     func([]pmdOffer) (pmdAccept, bool)
	acceptDesc string
}{
	{[]pmdOffer{defaultOffer}, accept1, "[(False, 0)]"},
	{[]pmdOffer{withRequest(true, 0)}, accept2, "[(True, 0)]"},
	{[]pmdOffer{withRequest(false, 9)}, accept3, "[(False, 9)]"},
	{[]pmdOffer{withRequest(false, 15)}, accept4, "[(False, 15)]"},
	{[]pmdOffer{withRequest(true, 9)}, accept5, "[(True, 9)]"},
	{[]pmdOffer{withRequest(true, 15)}, accept6, "[(True, 15)]"},
	{[]pmdOffer{withRequest(true, 9), withRequest(true, 0), defaultOffer}, accept7, "[(True, 9), (True, 0), (False, 0)]"},
}

// withRequest is Autobahn's PerMessageDeflateOffer(requestNoContextTakeover,
// requestMaxWindowBits).
func withRequest(noContext bool, bits int) pmdOffer {
	o := defaultOffer
	o.requestNoContextTakeover, o.requestMaxWindowBits = noContext, bits
	return o
}

func offersDesc(offers []pmdOffer) string {
	parts := make([]string, len(offers))
	for i, o := range offers {
		parts[i] = o.pyTuple()
	}
	return "client offers (requestNoContextTakeover, requestMaxWindowBits): [" + strings.Join(parts, ", ") + "]"
}

func init() {
	categories["12"] = "WebSocket Compression (different payloads)"
	categories["13"] = "WebSocket Compression (different parameters)"
	var cs []*Case
	for j, k := range payloadKinds {
		subcategories[fmt.Sprintf("12.%d", j+1)] = k.subcategoryName()
		for i, sz := range deflateSizes {
			desc := fmt.Sprintf("Send %d compressed messages each of payload size %d, auto-fragment to %d octets. Use default permessage-deflate offer.", sz.count, sz.n, sz.frag)
			cs = append(cs, deflateCase(fmt.Sprintf("12.%d.%d", j+1, i+1), desc, k, sz, []pmdOffer{defaultOffer}, accept1))
		}
	}
	json := payloadKinds[0]
	for j, ps := range deflateParamSets {
		od := offersDesc(ps.offers)
		subcategories[fmt.Sprintf("13.%d", j+1)] = json.subcategoryName() + " - " + od +
			" / server accept (requestNoContextTakeover, requestMaxWindowBits): " + ps.acceptDesc
		for i, sz := range deflateSizes {
			desc := fmt.Sprintf("Send %d compressed messages each of payload size %d, auto-fragment to %d octets. Use permessage-deflate %s", sz.count, sz.n, sz.frag, od)
			cs = append(cs, deflateCase(fmt.Sprintf("13.%d.%d", j+1, i+1), desc, json, sz, ps.offers, ps.accept))
		}
	}
	addSection(cs...)
}

func pyBool(b bool) string { return map[bool]string{true: "True", false: "False"}[b] }

// deflateCase is Autobahn's Case12_X_X / Case13_X_X.
func deflateCase(id, desc string, data *payloadKind, sz deflateSize, offers []pmdOffer, accept func([]pmdOffer) (pmdAccept, bool)) *Case {
	// sendOne sends the next sz.n octets of the payload, wrapping around
	// its end, as Autobahn's sendOne does.
	sendOne := func(s *session) {
		d := data.bytes()
		from, to := s.count*sz.n%len(d), (s.count+1)*sz.n%len(d)
		var msg []byte
		if to > from {
			msg = d[from:to]
		} else {
			msg = append(append([]byte(nil), d[from:]...), d[:to]...)
		}
		s.want = msg
		s.SendMessage(msg, data.binary, 0)
		s.count++
	}
	return &Case{ID: id, Description: desc,
		Expectation: fmt.Sprintf("Receive echo'ed messages (with payload as sent). Timeout case after %v secs.", sz.wait),
		ReportTime:  true,
		cost:        costOf(sz.count, sz.n, true),
		offers:      offers,
		accept:      accept,
		open: func(s *session) {
			s.EnableWirelog(false)
			s.AutoFragmentSize = sz.frag
			s.ExpectedClose = ExpectedClose{ClosedByMe: true, CloseCode: []int{closeNormal}, RequireClean: true}
			if s.pmd == nil {
				s.Behavior = Unimplemented
				s.Result = "The peer did not agree to permessage-deflate."
				s.SendClose(closeNormal, nil)
				return
			}
			s.Behavior = Failed
			s.Result = fmt.Sprintf("Case did not finish within %v seconds.", sz.wait)
			s.CloseAfter(sz.wait)
			sendOne(s)
		},
		onMessage: func(s *session, msg []byte, binary bool) {
			switch {
			case binary != data.binary:
				s.Result = fmt.Sprintf("Echo'ed message type differs from what I sent (got binary %s, expected binary %s).", pyBool(binary), pyBool(data.binary))
			case len(msg) != len(s.want):
				s.Result = fmt.Sprintf("Echo'ed message length differs from what I sent (got length %d, expected length %d).", len(msg), len(s.want))
			case !bytes.Equal(msg, s.want):
				s.Result = fmt.Sprintf("Echo'ed message contents differs from what I sent (got SHA1 %x, expected SHA1 %x).", sha1.Sum(msg), sha1.Sum(s.want))
			case s.count < sz.count:
				sendOne(s)
				return
			default:
				s.Behavior = OK
				s.Result = "Ok, received all echo'ed messages in time."
				s.EnableWirelog(true)
				s.SendClose(closeNormal, nil)
				return
			}
			s.Behavior = Failed
			s.EnableWirelog(true)
			s.SendClose(closeNormal, nil)
		}}
}
