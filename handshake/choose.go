package handshake

// Choices a server makes about a request: which subprotocol to speak and
// whether to serve the page that opened it. Both work on slices of the
// request and the caller's configuration, without allocating, and both
// have a form for net/http users (header values as strings).

// SelectProtocol returns the first of supported, the server's subprotocols
// in its order of preference, that the client offered in offers (the
// values of Sec-WebSocket-Protocol fields, each a comma-separated list:
// http.Header.Values or [Request.Protocols]), and true; or "" and false
// when the client offered none of them. Names compare exactly: RFC 6455
// §11.3.4 registers them as case-sensitive strings.
//
// Choosing by the server's order rather than the client's is the usual
// policy (the server knows which of its versions is best); a server that
// wants the client's order loops over the offers itself.
func SelectProtocol[S ~string | ~[]byte](offers []S, supported []string) (string, bool) {
	for _, s := range supported {
		for _, o := range offers {
			if hasElement(o, s) {
				return s, true
			}
		}
	}
	return "", false
}

// SelectProtocol is [SelectProtocol] on r's Sec-WebSocket-Protocol fields;
// "" means none. Put the result in [Accept].Protocol.
func (r *Request) SelectProtocol(supported []string) string {
	b := r.block()
	if b == nil {
		return ""
	}
	for _, s := range supported {
		for i := 0; i < int(r.nProto); i++ {
			if hasElement(r.protos[i].in(b), s) {
				return s
			}
		}
	}
	return ""
}

// hasElement reports whether the comma-separated list has the element e,
// compared exactly, with optional whitespace around elements.
func hasElement[S ~string | ~[]byte](list S, e string) bool {
	for i := 0; i < len(list); {
		j := i
		for j < len(list) && list[j] != ',' {
			j++
		}
		s, t := i, j
		for s < t && (list[s] == ' ' || list[s] == '\t') {
			s++
		}
		for t > s && (list[t-1] == ' ' || list[t-1] == '\t') {
			t--
		}
		if t-s == len(e) && string(list[s:t]) == e {
			return true
		}
		i = j + 1
	}
	return false
}

// MatchOrigin reports whether origin, an Origin field's value
// ("https://app.example.com:8443", RFC 6454 §7), matches pattern:
//   - "*" matches every origin, "null" included.
//   - "https://app.example.com" (with a scheme) matches that scheme and
//     host pattern; without a scheme, "app.example.com" matches the host
//     with any scheme.
//   - A host pattern "*.example.com" matches every subdomain of
//     example.com, at any depth, but not example.com itself.
//   - A host pattern with a port ("localhost:8080") matches that port only;
//     one without matches any port.
//
// Scheme and host compare ASCII case-insensitively (RFC 6454 §4 lowercases
// both). An origin that is not scheme://host, such as "null" (sandboxed
// documents, file: pages), matches only "*" and itself; an empty pattern
// matches nothing.
//
// Origins protect browsers' users: a page elsewhere must not act on their
// cookies through a WebSocket (RFC 6455 §10.2). Clients that are not
// browsers send no Origin, or any they like.
func MatchOrigin[S ~string | ~[]byte](origin S, pattern string) bool {
	if pattern == "*" {
		return true
	}
	oScheme, oHost, ok := splitOrigin(origin)
	if !ok {
		return pattern != "" && equalFold(origin, pattern)
	}
	if oHost == "" || pattern == "" {
		return false
	}
	pScheme, pHost, ok := splitOrigin(pattern)
	if ok {
		if !equalFold(oScheme, pScheme) {
			return false
		}
	} else {
		pHost = pattern
	}
	if _, port := splitPort(pHost); port == "" {
		oHost, _ = splitPort(oHost)
	}
	if len(pHost) > 2 && pHost[0] == '*' && pHost[1] == '.' {
		suffix := pHost[1:] // ".example.com"
		return len(oHost) > len(suffix) && equalFold(oHost[len(oHost)-len(suffix):], suffix)
	}
	return equalFold(oHost, pHost)
}

// splitOrigin splits "scheme://hostport" (nothing after the host part);
// the parts are strings that share the bytes of o where the type allows.
func splitOrigin[S ~string | ~[]byte](o S) (scheme, hostport string, ok bool) {
	s := asString(o)
	i := 0
	for i < len(s) && s[i] != ':' {
		i++
	}
	if i == 0 || i+3 > len(s) || s[i+1] != '/' || s[i+2] != '/' {
		return "", "", false
	}
	return s[:i], s[i+3:], true
}

// splitPort splits "host:port", "[v6]:port", "host" or "[v6]".
func splitPort(hostport string) (host, port string) {
	i := len(hostport) - 1
	for i >= 0 && hostport[i] >= '0' && hostport[i] <= '9' {
		i--
	}
	if i >= 0 && i < len(hostport)-1 && hostport[i] == ':' {
		return hostport[:i], hostport[i+1:]
	}
	return hostport, ""
}

// CheckOrigin reports whether r may be served as far as its Origin goes:
// true when it has no Origin field (it does not come from a browser), when
// its Origin matches one of patterns ([MatchOrigin]), or, with no patterns,
// when it is the same origin as the request: the Origin's host and port
// are the Host field's (what gorilla/websocket checks by default). A server
// refuses the others with 403 ([AppendReject]).
func (r *Request) CheckOrigin(patterns []string) bool {
	b := r.block()
	if b == nil {
		return false
	}
	if r.seen&seenOrigin == 0 {
		return true
	}
	origin := r.origin.in(b)
	if len(patterns) == 0 {
		_, hostport, ok := splitOrigin(origin)
		return ok && equalFold(r.host.in(b), hostport)
	}
	for _, p := range patterns {
		if MatchOrigin(origin, p) {
			return true
		}
	}
	return false
}
