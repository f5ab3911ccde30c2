package handshake

import (
	"strconv"

	"github.com/wsframe/wsframe/codec"
)

// Accept is what a server puts into its 101 answer beyond what RFC 6455
// §4.2.2 fixes (status line, Upgrade, Connection, Sec-WebSocket-Accept).
// The zero value accepts with no subprotocol and no extension.
type Accept struct {
	// Protocol is the chosen subprotocol, "" for none. It must be one the
	// client offered (§4.2.2 item 5.4); [Request.SelectProtocol] picks one.
	Protocol string
	// Deflate, when not nil, is the permessage-deflate agreement from
	// [codec.NegotiateDeflate], answered in Sec-WebSocket-Extensions.
	Deflate *codec.DeflateParams
	// ExtraHeader is extra header lines, each "Name: value\r\n"
	// (Set-Cookie, say), written as they are after the others.
	ExtraHeader []byte
}

// AppendAccept appends the 101 Switching Protocols response to a request
// that Feed reported done, and returns the extended slice. It refuses,
// with dst unchanged and a status-500 [*Error], to answer a request that
// is not done ([ErrNotDone]), with a subprotocol the client did not offer
// ([ErrProtocolNotOffered]), or with extra lines that are not well-formed
// field lines ([ErrHeaderLines]): each would be a broken handshake.
//
// After writing it, the server sends and receives frames ([codec.Receiver]
// with RoleServer, on the bytes after the request first).
func (r *Request) AppendAccept(dst []byte, a Accept) ([]byte, error) {
	b := r.block()
	if b == nil {
		return dst, ErrNotDone
	}
	if a.Protocol != "" && !r.offered(a.Protocol) {
		return dst, ErrProtocolNotOffered
	}
	if !validHeaderLines(a.ExtraHeader) {
		return dst, ErrHeaderLines
	}
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst, _ = codec.AppendAccept(dst, r.key.in(b)) // the key passed ValidKey in end
	if a.Protocol != "" {
		dst = append(dst, "\r\nSec-WebSocket-Protocol: "...)
		dst = append(dst, a.Protocol...)
	}
	if a.Deflate != nil {
		dst = append(dst, "\r\nSec-WebSocket-Extensions: "...)
		dst = a.Deflate.AppendResponse(dst)
	}
	dst = append(dst, "\r\n"...)
	dst = append(dst, a.ExtraHeader...)
	return append(dst, "\r\n"...), nil
}

// offered reports whether the client offered the subprotocol p.
func (r *Request) offered(p string) bool {
	b := r.block()
	for i := 0; i < int(r.nProto); i++ {
		if hasElement(r.protos[i].in(b), p) {
			return true
		}
	}
	return false
}

// AppendReject appends a response that refuses the handshake: the status
// line, "Connection: close", a plain-text body and its length, and the
// extra header lines (each "Name: value\r\n", written as they are:
// "Location: ...\r\n" for a redirect, "WWW-Authenticate: ...\r\n" for
// 401). The server closes the connection after writing it. status is the
// application's (403 for an origin it refuses, say); one outside 200..599
// is written as 500, since 1xx would promise more to come.
//
// For an error from [Request.Feed], [AppendError] picks the status and
// the headers that go with it.
func AppendReject[B ~string | ~[]byte](dst []byte, status int, header []byte, body B) []byte {
	return appendReject(dst, status, "close", header, body)
}

func appendReject[H, B ~string | ~[]byte](dst []byte, status int, connection string, header H, body B) []byte {
	if status < 200 || status > 599 {
		status = 500
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, statusText(status)...)
	dst = append(dst, "\r\nConnection: "...)
	dst = append(dst, connection...)
	dst = append(dst, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n"...)
	dst = append(dst, header...)
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}

// AppendError appends the answer to err, an error from [Request.Feed]:
// its status, the fields that status calls for, and its message as the
// body:
//   - 405: "Allow: GET" (RFC 9110 §15.5.6).
//   - 426: "Upgrade: websocket" and "Sec-WebSocket-Version: 13" (RFC 6455
//     §4.4), with "Connection: Upgrade, close" (RFC 9110 §7.8: a sender of
//     Upgrade lists it in Connection).
//
// Any other error (not a [*Error]) is answered with 500. The server
// closes the connection after writing the answer.
func AppendError(dst []byte, err error) []byte {
	e, ok := err.(*Error)
	if !ok || e.status == 0 {
		return appendReject(dst, 500, "close", "", "handshake: internal error")
	}
	switch e.status {
	case 405:
		return appendReject(dst, e.status, "close", "Allow: GET\r\n", e.msg)
	case 426:
		return appendReject(dst, e.status, "Upgrade, close", "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n", e.msg)
	}
	return appendReject(dst, e.status, "close", "", e.msg)
}

// statusText is the reason phrase for the statuses a handshake is refused
// with; others get none, which RFC 9112 §4 allows.
func statusText(status int) string {
	switch status {
	case 200:
		return "OK"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 303:
		return "See Other"
	case 307:
		return "Temporary Redirect"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 410:
		return "Gone"
	case 414:
		return "URI Too Long"
	case 426:
		return "Upgrade Required"
	case 429:
		return "Too Many Requests"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	case 505:
		return "HTTP Version Not Supported"
	}
	return ""
}
