package fuzz

import (
	"testing"

	"github.com/wsframe/wsframe/codec"
)

// deflateParams decodes fuzz bits into parameters: flags in bits 0–1,
// server window in bits 8–15, client window in bits 16–23. raw keeps the
// window bytes as they come (policies may be out of range); otherwise
// values below 8 mean absent and those above 15 are folded into 8..15, as a
// valid offer has them.
func deflateParams(x uint32, raw bool) codec.DeflateParams {
	p := codec.DeflateParams{
		ServerNoContextTakeover: x&1 != 0,
		ClientNoContextTakeover: x&2 != 0,
		ServerMaxWindowBits:     uint8(x >> 8),
		ClientMaxWindowBits:     uint8(x >> 16),
	}
	if !raw {
		p.ServerMaxWindowBits = validBits(p.ServerMaxWindowBits)
		p.ClientMaxWindowBits = validBits(p.ClientMaxWindowBits)
	}
	return p
}

func validBits(b uint8) uint8 {
	if b < 8 {
		return 0
	}
	return 8 + b%8
}

func bitsInRange(b uint8) bool { return b == 0 || (b >= 8 && b <= 15) }

// upperASCII changes the case of the ASCII letters of s only, which may
// change no result: names compare ASCII-case-insensitively and letters are
// never valid in a value.
func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// FuzzDeflateNegotiation feeds an arbitrary Sec-WebSocket-Extensions value to
// both sides of the permessage-deflate negotiation under an arbitrary server
// policy and client offer. Beyond never panicking: an accepted offer has
// window bits in range and honours the policy, its response reads back the
// same on the client, case does not matter, a client's verdict is consistent
// with its offer, and a client's own offer is always accepted by a server
// and round-trips.
func FuzzDeflateNegotiation(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits", uint32(0), uint32(0x0f0000))
	f.Add("permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits",
		uint32(0x0a0c01), uint32(0x0f0a00))
	f.Add("permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=8",
		uint32(0x080002), uint32(0x0f0801))
	f.Add(`foo; bar="a,\"b"; baz, permessage-deflate; server_max_window_bits="1\0"`, uint32(0x030903), uint32(0))
	f.Add("permessage-deflate; server_max_window_bits=08; server_max_window_bits=8", uint32(0xff0000), uint32(0x0800))
	f.Add(`permessage-deflate; client_max_window_bits="10, permessage-deflate`, uint32(1), uint32(2))
	f.Add("PERMESSAGE-DEFLATE ;\tSERVER_NO_CONTEXT_TAKEOVER=x, ,, permessage-deflate;", uint32(0x100700), uint32(0x0f0f03))
	f.Fuzz(func(t *testing.T, header string, policyBits, offerBits uint32) {
		if len(header) > 1<<12 {
			return
		}
		policy := deflateParams(policyBits, true)
		offer := deflateParams(offerBits, false)

		// The server.
		accepted, headerOK := codec.NegotiateDeflate([]string{header}, policy)
		if a2, ok2 := codec.NegotiateDeflate([]string{upperASCII(header)}, policy); a2 != accepted || ok2 != headerOK {
			t.Fatalf("upper case %q: %+v %v, as given: %+v %v", upperASCII(header), a2, ok2, accepted, headerOK)
		}
		if headerOK {
			checkAccepted(t, accepted, policy)
			// The most permissive offer that the response can answer.
			var any codec.DeflateParams
			if accepted.ClientMaxWindowBits != 0 {
				any.ClientMaxWindowBits = 15
			}
			resp := accepted.AppendResponse(nil)
			back, neg, err := codec.AcceptDeflateResponse([]string{string(resp)}, any)
			if err != nil || !neg || back != accepted {
				t.Fatalf("response %q to %q read back as %+v %v %v", resp, header, back, neg, err)
			}
		} else if accepted != (codec.DeflateParams{}) {
			t.Fatalf("declined with params %+v", accepted)
		}

		// The client, reading header as the server's response.
		p, neg, err := codec.AcceptDeflateResponse([]string{header}, offer)
		switch {
		case err != nil:
			if neg || p != (codec.DeflateParams{}) || codec.CodeOf(err) != codec.CloseProtocolError {
				t.Fatalf("error %v with %+v %v, code %v", err, p, neg, codec.CodeOf(err))
			}
		case neg:
			if !bitsInRange(p.ServerMaxWindowBits) || !bitsInRange(p.ClientMaxWindowBits) ||
				(offer.ServerNoContextTakeover && !p.ServerNoContextTakeover) ||
				(offer.ServerMaxWindowBits != 0 && (p.ServerMaxWindowBits == 0 || p.ServerMaxWindowBits > offer.ServerMaxWindowBits)) ||
				(p.ClientMaxWindowBits != 0 && p.ClientMaxWindowBits > offer.ClientMaxWindowBits) {
				t.Fatalf("client accepted %+v from %q for offer %+v", p, header, offer)
			}
			resp := p.AppendResponse(nil)
			if back, neg2, err2 := codec.AcceptDeflateResponse([]string{string(resp)}, offer); back != p || !neg2 || err2 != nil {
				t.Fatalf("%q rewritten as %q reads %+v %v %v", header, resp, back, neg2, err2)
			}
		case p != (codec.DeflateParams{}):
			t.Fatalf("not negotiated but %+v", p)
		}

		// A client's own offer, alone and after the fuzzed header value.
		offerText := string(offer.AppendOffer(nil))
		plain, ok := codec.NegotiateDeflate([]string{offerText}, codec.DeflateParams{})
		want := codec.DeflateParams{ServerNoContextTakeover: offer.ServerNoContextTakeover, ServerMaxWindowBits: offer.ServerMaxWindowBits}
		if !ok || plain != want {
			t.Fatalf("offer %q under no policy: %+v %v, want %+v", offerText, plain, ok, want)
		}
		mine, ok := codec.NegotiateDeflate([]string{offerText}, policy)
		if !ok {
			t.Fatalf("offer %q declined under %+v", offerText, policy)
		}
		checkAccepted(t, mine, policy)
		resp := mine.AppendResponse(nil)
		if back, neg, err := codec.AcceptDeflateResponse([]string{string(resp)}, offer); back != mine || !neg || err != nil {
			t.Fatalf("offer %q, response %q: client reads %+v %v %v", offerText, resp, back, neg, err)
		}
		// A second header value is a list of its own: the first acceptable
		// offer of the fuzzed one wins, else the client's.
		wantBoth := mine
		if headerOK {
			wantBoth = accepted
		}
		if both, ok := codec.NegotiateDeflate([]string{header, offerText}, policy); !ok || both != wantBoth {
			t.Fatalf("%q then %q: %+v %v, want %+v", header, offerText, both, ok, wantBoth)
		}
	})
}

// checkAccepted checks a server's answer against its policy (RFC 7692 §7.1).
func checkAccepted(t *testing.T, a, policy codec.DeflateParams) {
	t.Helper()
	if !bitsInRange(a.ServerMaxWindowBits) || !bitsInRange(a.ClientMaxWindowBits) {
		t.Fatalf("window bits out of range: %+v", a)
	}
	if policy.ServerNoContextTakeover && !a.ServerNoContextTakeover || policy.ClientNoContextTakeover != a.ClientNoContextTakeover {
		t.Fatalf("policy %+v answered with %+v", policy, a)
	}
	// An answer without server_max_window_bits leaves the server's window
	// at 15 (RFC 7692 §7.1.2.1), which a policy below 15 forbids.
	serverWindow := a.ServerMaxWindowBits
	if serverWindow == 0 {
		serverWindow = 15
	}
	if policy.ServerMaxWindowBits != 0 && serverWindow > policyBits(policy.ServerMaxWindowBits) {
		t.Fatalf("server window %d (answered %d) over the policy's %d", serverWindow, a.ServerMaxWindowBits, policy.ServerMaxWindowBits)
	}
	if a.ClientMaxWindowBits != 0 && (policy.ClientMaxWindowBits == 0 || a.ClientMaxWindowBits > policyBits(policy.ClientMaxWindowBits)) {
		t.Fatalf("client window %d, policy %d", a.ClientMaxWindowBits, policy.ClientMaxWindowBits)
	}
}

// policyBits is a policy's window bits as NegotiateDeflate reads them:
// below 8 as 8, above 15 as 15.
func policyBits(b uint8) uint8 { return min(max(b, 8), 15) }
