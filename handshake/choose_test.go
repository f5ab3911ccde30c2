package handshake

import "testing"

// TestSelectProtocol checks the choice by the server's order of
// preference among the client's offers (RFC 6455 §4.2.2 item 5.4), over
// several fields and lists, with exact names.
func TestSelectProtocol(t *testing.T) {
	offers := []string{"v1.chat, v2.chat", " mqtt ,\tV3.CHAT"}
	for _, tc := range []struct {
		supported []string
		want      string
	}{
		{[]string{"v2.chat", "v1.chat"}, "v2.chat"}, // server's order, not the client's
		{[]string{"v1.chat", "v2.chat"}, "v1.chat"},
		{[]string{"x", "mqtt"}, "mqtt"}, // whitespace around elements
		{[]string{"v3.chat"}, ""},       // names are case-sensitive
		{[]string{"chat"}, ""},          // no prefix or substring matches
		{[]string{"v1.chat, v2.chat"}, ""},
		{nil, ""},
	} {
		got, ok := SelectProtocol(offers, tc.supported)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%q: %q %v, want %q", tc.supported, got, ok, tc.want)
		}
		var r Request
		r.Feed([]byte(withField(withField(minimal, "Sec-WebSocket-Protocol: "+offers[0]), "Sec-WebSocket-Protocol: "+offers[1])))
		if got := r.SelectProtocol(tc.supported); got != tc.want {
			t.Errorf("Request %q: %q, want %q", tc.supported, got, tc.want)
		}
		if got, _ := SelectProtocol(r.Protocols(), tc.supported); got != tc.want {
			t.Errorf("Protocols %q: %q, want %q", tc.supported, got, tc.want)
		}
	}
	var r Request
	r.Feed([]byte(minimal))
	if got := r.SelectProtocol([]string{"chat"}); got != "" {
		t.Errorf("no offer: %q", got)
	}
}

// TestMatchOrigin checks the origin patterns against origins as browsers
// serialize them (RFC 6454 §6.1).
func TestMatchOrigin(t *testing.T) {
	for _, tc := range []struct {
		origin, pattern string
		want            bool
	}{
		{"https://example.com", "https://example.com", true},
		{"https://EXAMPLE.com", "https://example.com", true},
		{"HTTPS://example.com", "https://example.com", true},
		{"http://example.com", "https://example.com", false}, // scheme counts
		{"https://example.com:8443", "https://example.com", true},
		{"https://example.com:8443", "https://example.com:8443", true},
		{"https://example.com:8443", "https://example.com:443", false},
		{"https://example.com", "example.com", true}, // any scheme
		{"http://example.com:80", "example.com", true},
		{"https://app.example.com", "*.example.com", true},
		{"https://a.b.example.com", "*.example.com", true},
		{"https://example.com", "*.example.com", false}, // not the domain itself
		{"https://badexample.com", "*.example.com", false},
		{"https://example.com.evil.net", "*.example.com", false},
		{"https://example.com.evil.net", "example.com", false},
		{"https://app.example.com:9000", "*.example.com", true},
		{"https://app.example.com:9000", "*.example.com:9001", false},
		{"https://app.example.com", "https://*.example.com", true},
		{"http://app.example.com", "https://*.example.com", false},
		{"http://[::1]:8080", "[::1]", true},
		{"http://[::1]:8080", "[::1]:8080", true},
		{"http://[::1]", "[::1]:8080", false},
		{"null", "*", true},
		{"null", "null", true},
		{"null", "*.example.com", false},
		{"null", "example.com", false},
		{"", "example.com", false},
		{"https://x.com", "*", true},
		{"https://", "*.example.com", false},
		{"file://", "", false},
		{"file://", "*.example.com", false},
		{"", "", false},
	} {
		if got := MatchOrigin(tc.origin, tc.pattern); got != tc.want {
			t.Errorf("MatchOrigin(%q, %q) = %v", tc.origin, tc.pattern, got)
		}
		if got := MatchOrigin([]byte(tc.origin), tc.pattern); got != tc.want {
			t.Errorf("MatchOrigin([]byte(%q), %q) = %v", tc.origin, tc.pattern, got)
		}
	}
}

// TestCheckOrigin checks the policy of RFC 6455 §10.2 on a request: no
// Origin passes, an Origin must match a pattern, and without patterns it
// must be the request's own host.
func TestCheckOrigin(t *testing.T) {
	req := func(origin string) *Request {
		var r Request
		s := minimal
		if origin != "-" {
			s = withField(s, "Origin: "+origin)
		}
		s = withoutField(s, "Host")
		s = withField(s, "Host: chat.example.com:8080")
		if _, done, err := r.Feed([]byte(s)); !done || err != nil {
			t.Fatal(err)
		}
		return &r
	}
	for _, tc := range []struct {
		origin   string
		patterns []string
		want     bool
	}{
		{"-", nil, true},
		{"-", []string{"https://only.example.com"}, true},
		{"https://chat.example.com:8080", nil, true},
		{"https://CHAT.example.com:8080", nil, true},
		{"https://chat.example.com", nil, false}, // other port
		{"https://evil.example.net", nil, false},
		{"null", nil, false},
		{"", nil, false},
		{"https://evil.example.net", []string{"*.example.com", "https://example.org"}, false},
		{"https://app.example.com", []string{"*.example.com", "https://example.org"}, true},
		{"https://example.org", []string{"*.example.com", "https://example.org"}, true},
	} {
		if got := req(tc.origin).CheckOrigin(tc.patterns); got != tc.want {
			t.Errorf("%q %q: %v", tc.origin, tc.patterns, got)
		}
	}
	var r Request
	if r.CheckOrigin(nil) {
		t.Error("a request not yet read passed")
	}
}
