package codec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Offers as Autobahn's PerMessageDeflateOffer.getExtensionString spells
// them for sections 12 and 13 (accept_no_context_takeover and
// accept_max_window_bits default to true, so every offer carries
// client_no_context_takeover and a bare client_max_window_bits).
const (
	abOffer1 = "permessage-deflate; client_no_context_takeover; client_max_window_bits"
	abOffer2 = abOffer1 + "; server_no_context_takeover"
	abOffer3 = abOffer1 + "; server_max_window_bits=8"
	abOffer4 = abOffer1 + "; server_max_window_bits=15"
	abOffer5 = abOffer1 + "; server_no_context_takeover; server_max_window_bits=8"
	abOffer6 = abOffer1 + "; server_no_context_takeover; server_max_window_bits=15"
	abOffer7 = abOffer5 + ", " + abOffer2 + ", " + abOffer1
)

func TestNegotiateDeflate(t *testing.T) {
	type P = DeflateParams
	tests := []struct {
		name   string
		offers []string
		policy P
		want   P
		ok     bool
	}{
		// RFC 7692's examples (§5.1 and §7.1.x).
		{"plain", []string{"permessage-deflate"}, P{}, P{}, true},
		{"§5.1 two offers, first accepted",
			[]string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits"},
			P{}, P{ServerMaxWindowBits: 10}, true},
		{"§5.1 two offers, client window answered",
			[]string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits"},
			P{ClientMaxWindowBits: 12}, P{ServerMaxWindowBits: 10, ClientMaxWindowBits: 12}, true},
		{"§7.1.1.1 server_no_context_takeover offered is answered",
			[]string{"permessage-deflate; server_no_context_takeover"}, P{}, P{ServerNoContextTakeover: true}, true},
		{"§7.1.1.1 server_no_context_takeover by policy",
			[]string{"permessage-deflate"}, P{ServerNoContextTakeover: true}, P{ServerNoContextTakeover: true}, true},
		{"§7.1.1.2 client_no_context_takeover by policy",
			[]string{"permessage-deflate"}, P{ClientNoContextTakeover: true}, P{ClientNoContextTakeover: true}, true},
		{"§7.1.1.2 client hint not echoed without policy",
			[]string{"permessage-deflate; client_no_context_takeover"}, P{}, P{}, true},
		{"§7.1.2.1 smaller server window than offered",
			[]string{"permessage-deflate; server_max_window_bits=12"}, P{ServerMaxWindowBits: 9}, P{ServerMaxWindowBits: 9}, true},
		{"§7.1.2.1 offered window kept when policy is larger",
			[]string{"permessage-deflate; server_max_window_bits=9"}, P{ServerMaxWindowBits: 12}, P{ServerMaxWindowBits: 9}, true},
		{"§7.1.2.1 offered 15 answered",
			[]string{"permessage-deflate; server_max_window_bits=15"}, P{}, P{ServerMaxWindowBits: 15}, true},
		{"§7.1.2.1 server window without offer",
			[]string{"permessage-deflate"}, P{ServerMaxWindowBits: 10}, P{ServerMaxWindowBits: 10}, true},
		{"§7.1.2.1 policy 15 without offer adds nothing",
			[]string{"permessage-deflate"}, P{ServerMaxWindowBits: 15}, P{}, true},
		{"§7.1.2.2 client window only if offered",
			[]string{"permessage-deflate"}, P{ClientMaxWindowBits: 10}, P{}, true},
		{"§7.1.2.2 client window at most the offered value",
			[]string{"permessage-deflate; client_max_window_bits=9"}, P{ClientMaxWindowBits: 10}, P{ClientMaxWindowBits: 9}, true},
		{"§7.1.2.2 client window below the offered value",
			[]string{"permessage-deflate; client_max_window_bits=12"}, P{ClientMaxWindowBits: 10}, P{ClientMaxWindowBits: 10}, true},
		{"policy out of range is clamped",
			[]string{"permessage-deflate; client_max_window_bits"}, P{ServerMaxWindowBits: 3, ClientMaxWindowBits: 200},
			P{ServerMaxWindowBits: 8, ClientMaxWindowBits: 15}, true},
		{"quoted value", []string{`permessage-deflate; server_max_window_bits="10"`}, P{}, P{ServerMaxWindowBits: 10}, true},
		{"quoted value with quoted-pair", []string{`permessage-deflate; server_max_window_bits="1\0"`}, P{}, P{ServerMaxWindowBits: 10}, true},
		{"case and whitespace", []string{"\tPermessage-Deflate ;Server_No_Context_Takeover ;  SERVER_MAX_WINDOW_BITS = 11 \t"},
			P{}, P{ServerNoContextTakeover: true, ServerMaxWindowBits: 11}, true},
		{"other extension first", []string{"x-webkit-deflate-frame, foo; bar=\"a,b\"; baz, permessage-deflate; client_max_window_bits"},
			P{ClientMaxWindowBits: 10}, P{ClientMaxWindowBits: 10}, true},
		{"several header values", []string{"foo", "", "permessage-deflate; server_max_window_bits=8"}, P{}, P{ServerMaxWindowBits: 8}, true},
		{"empty list elements", []string{" , ,permessage-deflate,,"}, P{}, P{}, true},

		// Autobahn 12.x and 13.x, with the server policies of accept1..accept7.
		{"autobahn 13.1", []string{abOffer1}, P{}, P{}, true},
		{"autobahn 13.2", []string{abOffer2}, P{ClientNoContextTakeover: true},
			P{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, true},
		{"autobahn 13.3", []string{abOffer3}, P{ClientMaxWindowBits: 8}, P{ServerMaxWindowBits: 8, ClientMaxWindowBits: 8}, true},
		{"autobahn 13.4", []string{abOffer4}, P{ClientMaxWindowBits: 15}, P{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"autobahn 13.5", []string{abOffer5}, P{ClientNoContextTakeover: true, ClientMaxWindowBits: 8},
			P{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 8, ClientMaxWindowBits: 8}, true},
		{"autobahn 13.6", []string{abOffer6}, P{ClientNoContextTakeover: true, ClientMaxWindowBits: 15},
			P{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true},
		{"autobahn 13.7", []string{abOffer7}, P{ClientNoContextTakeover: true, ClientMaxWindowBits: 8},
			P{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 8, ClientMaxWindowBits: 8}, true},
		{"autobahn client_max_window_bits=8 offer", []string{"permessage-deflate; client_max_window_bits=8"}, P{ClientMaxWindowBits: 15},
			P{ClientMaxWindowBits: 8}, true},
		{"autobahn client_max_window_bits=15 offer", []string{"permessage-deflate; client_max_window_bits=15"}, P{ClientMaxWindowBits: 9},
			P{ClientMaxWindowBits: 9}, true},

		// A declined offer falls through to the next one.
		{"bad first offer declined", []string{"permessage-deflate; server_max_window_bits=16, permessage-deflate; client_max_window_bits"},
			P{ClientMaxWindowBits: 11}, P{ClientMaxWindowBits: 11}, true},
		{"bad first header value declined", []string{"permessage-deflate; foo", "permessage-deflate"}, P{}, P{}, true},

		// Hostile and broken headers: every one declined.
		{"no header", nil, P{}, P{}, false},
		{"empty", []string{""}, P{}, P{}, false},
		{"only commas", []string{",,, ,\t,"}, P{}, P{}, false},
		{"other extension only", []string{"x-webkit-deflate-frame"}, P{}, P{}, false},
		{"prefix of the name", []string{"permessage-deflat"}, P{}, P{}, false},
		{"name as a parameter", []string{"foo; permessage-deflate"}, P{}, P{}, false},
		{"name as a value", []string{"foo; x=permessage-deflate"}, P{}, P{}, false},
		{"repeated parameter", []string{"permessage-deflate; server_no_context_takeover; server_no_context_takeover"}, P{}, P{}, false},
		{"repeated window", []string{"permessage-deflate; client_max_window_bits; client_max_window_bits=10"}, P{}, P{}, false},
		{"unknown parameter", []string{"permessage-deflate; foo"}, P{}, P{}, false},
		{"unknown parameter with value", []string{"permessage-deflate; max_window_bits=10"}, P{}, P{}, false},
		{"window 7", []string{"permessage-deflate; server_max_window_bits=7"}, P{}, P{}, false},
		{"window 16", []string{"permessage-deflate; client_max_window_bits=16"}, P{}, P{}, false},
		{"window 0", []string{"permessage-deflate; server_max_window_bits=0"}, P{}, P{}, false},
		{"window 08", []string{"permessage-deflate; server_max_window_bits=08"}, P{}, P{}, false},
		{"window 010", []string{"permessage-deflate; server_max_window_bits=010"}, P{}, P{}, false},
		{"window empty quoted", []string{`permessage-deflate; server_max_window_bits=""`}, P{}, P{}, false},
		{"window empty", []string{"permessage-deflate; server_max_window_bits="}, P{}, P{}, false},
		{"window 1a", []string{"permessage-deflate; server_max_window_bits=1a"}, P{}, P{}, false},
		{"window +9", []string{"permessage-deflate; server_max_window_bits=+9"}, P{}, P{}, false},
		{"window huge", []string{"permessage-deflate; server_max_window_bits=18446744073709551625"}, P{}, P{}, false},
		{"window quoted with space", []string{`permessage-deflate; server_max_window_bits=" 10"`}, P{}, P{}, false},
		{"server window without value", []string{"permessage-deflate; server_max_window_bits"}, P{}, P{}, false},
		{"value on server_no_context_takeover", []string{"permessage-deflate; server_no_context_takeover=true"}, P{}, P{}, false},
		{"empty value on client_no_context_takeover", []string{`permessage-deflate; client_no_context_takeover=""`}, P{}, P{}, false},
		{"unterminated quote", []string{`permessage-deflate; server_max_window_bits="10`}, P{}, P{}, false},
		{"unterminated quote swallows the next offer", []string{`permessage-deflate; client_max_window_bits="10, permessage-deflate`}, P{}, P{}, false},
		{"trailing backslash", []string{`permessage-deflate; x="\`}, P{}, P{}, false},
		{"trailing semicolon", []string{"permessage-deflate;"}, P{}, P{}, false},
		{"double semicolon", []string{"permessage-deflate;; server_no_context_takeover"}, P{}, P{}, false},
		{"missing semicolon", []string{"permessage-deflate server_no_context_takeover"}, P{}, P{}, false},
		{"value on the extension", []string{"permessage-deflate=1"}, P{}, P{}, false},
		{"non-ASCII name", []string{"permeſſage-deflate"}, P{}, P{}, false},
		{"non-ASCII parameter", []string{"permessage-deflate; server_no_context_takeover\u00e9"}, P{}, P{}, false},
		{"control character", []string{"permessage-deflate;\x00server_no_context_takeover"}, P{}, P{}, false},
		{"NUL in quoted value", []string{"permessage-deflate; server_max_window_bits=\"1\x000\""}, P{}, P{}, false},
		{"very long", []string{strings.Repeat("permessage-deflate; foo, ", 10000)}, P{}, P{}, false},
		{"very long then good", []string{strings.Repeat("x; y=\"z\", ", 10000) + "permessage-deflate"}, P{}, P{}, true},
	}
	for _, tt := range tests {
		got, ok := NegotiateDeflate(tt.offers, tt.policy)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: NegotiateDeflate(%q, %+v) = %+v, %v; want %+v, %v", tt.name, tt.offers, tt.policy, got, ok, tt.want, tt.ok)
		}
		got, ok = NegotiateDeflate(asBytes(tt.offers), tt.policy)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: NegotiateDeflate(%q as bytes) = %+v, %v; want %+v, %v", tt.name, tt.offers, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAcceptDeflateResponse(t *testing.T) {
	type P = DeflateParams
	browser := P{ClientMaxWindowBits: 15} // "permessage-deflate; client_max_window_bits"
	tests := []struct {
		name     string
		offer    P
		response []string
		want     P
		ok       bool
		err      error
	}{
		{"no extension", browser, nil, P{}, false, nil},
		{"empty header", browser, []string{"", " , "}, P{}, false, nil},
		{"plain", P{}, []string{"permessage-deflate"}, P{}, true, nil},
		{"§5.1 answer", browser, []string{"permessage-deflate; server_max_window_bits=10"}, P{ServerMaxWindowBits: 10}, true, nil},
		{"all four", P{ServerNoContextTakeover: true, ServerMaxWindowBits: 12, ClientMaxWindowBits: 15},
			[]string{"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"},
			P{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 9}, true, nil},
		{"server adds no context takeover", P{}, []string{"permessage-deflate; server_no_context_takeover"},
			P{ServerNoContextTakeover: true}, true, nil},
		{"server adds client no context takeover", P{}, []string{"permessage-deflate; client_no_context_takeover"},
			P{ClientNoContextTakeover: true}, true, nil},
		{"server adds its window", P{}, []string{"permessage-deflate; server_max_window_bits=8"}, P{ServerMaxWindowBits: 8}, true, nil},
		{"same server window", P{ServerMaxWindowBits: 10}, []string{"permessage-deflate; server_max_window_bits=10"},
			P{ServerMaxWindowBits: 10}, true, nil},
		{"client window at the offered value", P{ClientMaxWindowBits: 10}, []string{"permessage-deflate; client_max_window_bits=10"},
			P{ClientMaxWindowBits: 10}, true, nil},
		{"quoted value", browser, []string{`permessage-deflate; client_max_window_bits="8"`}, P{ClientMaxWindowBits: 8}, true, nil},
		{"case and whitespace", browser, []string{" PERMESSAGE-DEFLATE\t; Client_Max_Window_Bits=11 "}, P{ClientMaxWindowBits: 11}, true, nil},
		{"split over values", browser, []string{"", "permessage-deflate"}, P{}, true, nil},

		// Autobahn's servers (accept1..accept7) answering its offers.
		{"autobahn 13.1", P{ClientNoContextTakeover: true, ClientMaxWindowBits: 15}, []string{"permessage-deflate"}, P{}, true, nil},
		{"autobahn 13.3", P{ClientNoContextTakeover: true, ClientMaxWindowBits: 15, ServerMaxWindowBits: 8},
			[]string{"permessage-deflate; server_max_window_bits=8; client_max_window_bits=8"},
			P{ServerMaxWindowBits: 8, ClientMaxWindowBits: 8}, true, nil},
		{"autobahn 13.6", P{ClientNoContextTakeover: true, ClientMaxWindowBits: 15, ServerNoContextTakeover: true, ServerMaxWindowBits: 15},
			[]string{"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15; client_max_window_bits=15"},
			P{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, true, nil},

		// Responses the client must fail the connection on.
		{"not offered", browser, []string{"x-webkit-deflate-frame"}, P{}, false, ErrExtensionNotOffered},
		{"not offered after deflate", browser, []string{"permessage-deflate, foo"}, P{}, false, ErrExtensionNotOffered},
		{"answered twice", browser, []string{"permessage-deflate, permessage-deflate"}, P{}, false, ErrExtensionDuplicate},
		{"answered twice in two values", browser, []string{"permessage-deflate", "permessage-deflate"}, P{}, false, ErrExtensionDuplicate},
		{"unknown parameter", browser, []string{"permessage-deflate; foo"}, P{}, false, ErrExtensionParam},
		{"name as a parameter", browser, []string{"permessage-deflate; permessage-deflate"}, P{}, false, ErrExtensionParam},
		{"repeated parameter", browser, []string{"permessage-deflate; client_no_context_takeover; client_no_context_takeover"},
			P{}, false, ErrExtensionParamDuplicate},
		{"window 7", browser, []string{"permessage-deflate; server_max_window_bits=7"}, P{}, false, ErrExtensionParamValue},
		{"window 16", browser, []string{"permessage-deflate; client_max_window_bits=16"}, P{}, false, ErrExtensionParamValue},
		{"window 0", browser, []string{"permessage-deflate; server_max_window_bits=0"}, P{}, false, ErrExtensionParamValue},
		{"window 08", browser, []string{"permessage-deflate; server_max_window_bits=08"}, P{}, false, ErrExtensionParamValue},
		{`window ""`, browser, []string{`permessage-deflate; server_max_window_bits=""`}, P{}, false, ErrExtensionParamValue},
		{"window 1a", browser, []string{"permessage-deflate; server_max_window_bits=1a"}, P{}, false, ErrExtensionParamValue},
		{"window huge", browser, []string{"permessage-deflate; server_max_window_bits=99999999999999999999"}, P{}, false, ErrExtensionParamValue},
		{"value on no context takeover", browser, []string{"permessage-deflate; server_no_context_takeover=1"}, P{}, false, ErrExtensionParamValue},
		{"server window without value", browser, []string{"permessage-deflate; server_max_window_bits"}, P{}, false, ErrExtensionParamNoValue},
		{"client window without value", browser, []string{"permessage-deflate; client_max_window_bits"}, P{}, false, ErrExtensionParamNoValue},
		{"unterminated quote", browser, []string{`permessage-deflate; server_max_window_bits="10`}, P{}, false, ErrExtensionSyntax},
		{"trailing semicolon", browser, []string{"permessage-deflate;"}, P{}, false, ErrExtensionSyntax},
		{"no name", browser, []string{"; server_no_context_takeover"}, P{}, false, ErrExtensionSyntax},
		{"non-ASCII", browser, []string{"permessage-deflate; server_max_window_bits=\u0661\u0660"}, P{}, false, ErrExtensionSyntax},
		{"server no context takeover dropped", P{ServerNoContextTakeover: true}, []string{"permessage-deflate"},
			P{}, false, ErrDeflateServerContextTakeover},
		{"server window dropped", P{ServerMaxWindowBits: 10}, []string{"permessage-deflate"}, P{}, false, ErrDeflateServerWindowMissing},
		{"server window larger than offered", P{ServerMaxWindowBits: 10}, []string{"permessage-deflate; server_max_window_bits=11"},
			P{}, false, ErrDeflateServerWindowTooLarge},
		{"client window not offered", P{}, []string{"permessage-deflate; client_max_window_bits=15"}, P{}, false, ErrDeflateClientWindowNotOffered},
		{"client window larger than offered", P{ClientMaxWindowBits: 10}, []string{"permessage-deflate; client_max_window_bits=11"},
			P{}, false, ErrDeflateClientWindowTooLarge},
	}
	for _, tt := range tests {
		got, ok, err := AcceptDeflateResponse(tt.response, tt.offer)
		if got != tt.want || ok != tt.ok || err != tt.err {
			t.Errorf("%s: AcceptDeflateResponse(%q, %+v) = %+v, %v, %v; want %+v, %v, %v",
				tt.name, tt.response, tt.offer, got, ok, err, tt.want, tt.ok, tt.err)
		}
		got, ok, err = AcceptDeflateResponse(asBytes(tt.response), tt.offer)
		if got != tt.want || ok != tt.ok || err != tt.err {
			t.Errorf("%s: AcceptDeflateResponse(%q as bytes) = %+v, %v, %v; want %+v, %v, %v",
				tt.name, tt.response, got, ok, err, tt.want, tt.ok, tt.err)
		}
		if err != nil && CodeOf(err) != CloseProtocolError {
			t.Errorf("%s: code %v, want 1002", tt.name, CodeOf(err))
		}
	}
}

// TestDeflateRoundTrip runs every offer a client can make through a server
// under every kind of policy and back through the client: the server must
// accept its own library's offers, and the client its own server's answers.
func TestDeflateRoundTrip(t *testing.T) {
	bits := []uint8{0, 8, 9, 12, 15}
	var buf []byte
	n := 0
	for flags := 0; flags < 4; flags++ {
		for _, sb := range bits {
			for _, cb := range bits {
				offer := DeflateParams{flags&1 != 0, flags&2 != 0, sb, cb}
				buf = offer.AppendOffer(buf[:0])
				for pflags := 0; pflags < 4; pflags++ {
					for _, psb := range bits {
						for _, pcb := range bits {
							policy := DeflateParams{pflags&1 != 0, pflags&2 != 0, psb, pcb}
							got, ok := NegotiateDeflate([]string{string(buf)}, policy)
							if !ok {
								t.Fatalf("offer %q declined under %+v", buf, policy)
							}
							resp := got.AppendResponse(nil)
							back, neg, err := AcceptDeflateResponse([]string{string(resp)}, offer)
							if err != nil || !neg || back != got {
								t.Fatalf("offer %q, policy %+v: response %q read back as %+v, %v, %v",
									buf, policy, resp, back, neg, err)
							}
							n++
						}
					}
				}
			}
		}
	}
	if n != 4*5*5*4*5*5 {
		t.Fatalf("ran %d combinations", n)
	}
}

func TestDeflateAppend(t *testing.T) {
	tests := []struct {
		p        DeflateParams
		offer    string
		response string
	}{
		{DeflateParams{}, "permessage-deflate", "permessage-deflate"},
		{DeflateParams{ClientMaxWindowBits: 15}, "permessage-deflate; client_max_window_bits",
			"permessage-deflate; client_max_window_bits=15"},
		{DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: 8},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=8",
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=8"},
		{DeflateParams{ServerMaxWindowBits: 3, ClientMaxWindowBits: 99},
			"permessage-deflate; server_max_window_bits=8; client_max_window_bits",
			"permessage-deflate; server_max_window_bits=8; client_max_window_bits=15"},
	}
	for _, tt := range tests {
		if got := string(tt.p.AppendOffer([]byte("x: "))); got != "x: "+tt.offer {
			t.Errorf("%+v AppendOffer = %q, want %q", tt.p, got, "x: "+tt.offer)
		}
		if got := string(tt.p.AppendResponse(nil)); got != tt.response {
			t.Errorf("%+v AppendResponse = %q, want %q", tt.p, got, tt.response)
		}
	}
}

func TestDeflateDirections(t *testing.T) {
	p := DeflateParams{ServerNoContextTakeover: true, ClientMaxWindowBits: 9}
	type dir struct {
		ctx  bool
		bits int
	}
	check := func(what string, ctx bool, bits int, want dir) {
		t.Helper()
		if ctx != want.ctx || bits != want.bits {
			t.Errorf("%s = %v, %d; want %v, %d", what, ctx, bits, want.ctx, want.bits)
		}
	}
	// The server compresses without context at 15 bits; the client keeps
	// its context with at most 9 bits.
	ctx, bits := p.Outgoing(RoleServer)
	check("server Outgoing", ctx, bits, dir{false, 15})
	ctx, bits = p.Incoming(RoleClient)
	check("client Incoming", ctx, bits, dir{false, 15})
	ctx, bits = p.Outgoing(RoleClient)
	check("client Outgoing", ctx, bits, dir{true, 9})
	ctx, bits = p.Incoming(RoleServer)
	check("server Incoming", ctx, bits, dir{true, 9})

	q := DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 11}
	ctx, bits = q.Outgoing(RoleServer)
	check("server Outgoing", ctx, bits, dir{true, 11})
	ctx, bits = q.Incoming(RoleClient)
	check("client Incoming", ctx, bits, dir{true, 11})
	ctx, bits = q.Outgoing(RoleClient)
	check("client Outgoing", ctx, bits, dir{false, 15})
	ctx, bits = q.Incoming(RoleServer)
	check("server Incoming", ctx, bits, dir{false, 15})

	ctx, bits = DeflateParams{}.Incoming(RoleServer)
	check("zero server Incoming", ctx, bits, dir{true, 15})
}

// asBytes returns header values as the byte slices an event loop's parser
// hands out.
func asBytes(values []string) [][]byte {
	out := make([][]byte, len(values))
	for i, v := range values {
		out[i] = []byte(v)
	}
	return out
}

func TestDeflateErrorsDistinct(t *testing.T) {
	errs := []*Error{ErrExtensionSyntax, ErrExtensionNotOffered, ErrExtensionDuplicate, ErrExtensionParam,
		ErrExtensionParamDuplicate, ErrExtensionParamValue, ErrExtensionParamNoValue, ErrDeflateServerContextTakeover,
		ErrDeflateServerWindowMissing, ErrDeflateServerWindowTooLarge, ErrDeflateClientWindowNotOffered, ErrDeflateClientWindowTooLarge}
	seen := map[string]bool{}
	for _, e := range errs {
		if seen[e.Error()] || !strings.HasPrefix(e.Error(), "codec: ") || e.Code != CloseProtocolError {
			t.Errorf("%q: duplicate message, bad prefix or code %v", e.Error(), e.Code)
		}
		seen[e.Error()] = true
		// A caller that wraps the error keeps both its identity and its
		// close code.
		wrapped := fmt.Errorf("handshake with %s: %w", "peer", e)
		if !errors.Is(wrapped, e) || CodeOf(wrapped) != CloseProtocolError {
			t.Errorf("%q wrapped: errors.Is %v, code %v", e, errors.Is(wrapped, e), CodeOf(wrapped))
		}
	}
}

func TestDeflateAllocs(t *testing.T) {
	headers := [][]string{
		{"permessage-deflate; client_max_window_bits"},
		{"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10"},
		{"x-webkit-deflate-frame; no_context_takeover, permessage-deflate; client_max_window_bits=12; server_max_window_bits=\"9\", permessage-deflate"},
		{abOffer7},
	}
	policy := DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 12, ClientMaxWindowBits: 10}
	offer := DeflateParams{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15}
	response := []string{"permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10"}
	buf := make([]byte, 0, 256)
	for _, h := range headers {
		var ok bool
		allocs := testing.AllocsPerRun(100, func() {
			_, ok = NegotiateDeflate(h, policy)
		})
		if allocs != 0 || !ok {
			t.Errorf("NegotiateDeflate(%q): %v allocations, ok %v", h, allocs, ok)
		}
		// The same values as byte slices, as an event loop holds them.
		hb := asBytes(h)
		allocs = testing.AllocsPerRun(100, func() {
			_, ok = NegotiateDeflate(hb, policy)
		})
		if allocs != 0 || !ok {
			t.Errorf("NegotiateDeflate(%q as bytes): %v allocations, ok %v", h, allocs, ok)
		}
	}
	responseBytes := [][]byte{[]byte(response[0])}
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		_, _, err = AcceptDeflateResponse(response, offer)
		_, _, err = AcceptDeflateResponse(responseBytes, offer)
		buf = offer.AppendOffer(buf[:0])
		buf = policy.AppendResponse(buf[:0])
	})
	if allocs != 0 || err != nil {
		t.Errorf("AcceptDeflateResponse and Append: %v allocations, %v", allocs, err)
	}
}
