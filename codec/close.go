package codec

import (
	"encoding/binary"
	"strconv"
	"unsafe"

	"github.com/wsframe/wsframe/utf8valid"
)

// CloseCode is a WebSocket close status code (RFC 6455 §7.4).
type CloseCode uint16

// The close codes RFC 6455 §7.4.1 and the IANA registry define.
const (
	CloseNormal             CloseCode = 1000 // normal closure
	CloseGoingAway          CloseCode = 1001 // endpoint going away
	CloseProtocolError      CloseCode = 1002 // protocol error
	CloseUnsupportedData    CloseCode = 1003 // data type the endpoint cannot accept
	CloseNoStatus           CloseCode = 1005 // no status in the Close frame; never sent
	CloseAbnormal           CloseCode = 1006 // closed without a Close frame; never sent
	CloseInvalidPayload     CloseCode = 1007 // data inconsistent with its type (bad UTF-8)
	ClosePolicyViolation    CloseCode = 1008 // policy violation
	CloseMessageTooBig      CloseCode = 1009 // message too big
	CloseMandatoryExtension CloseCode = 1010 // client expected an extension the server refused
	CloseInternalError      CloseCode = 1011 // unexpected condition
	CloseServiceRestart     CloseCode = 1012 // service restart
	CloseTryAgainLater      CloseCode = 1013 // try again later
	CloseBadGateway         CloseCode = 1014 // bad gateway
	CloseTLSHandshake       CloseCode = 1015 // TLS handshake failure; never sent
)

// MaxCloseReason is the longest Close reason: a control frame carries at
// most 125 bytes, two of which are the code.
const MaxCloseReason = MaxControlPayload - 2

var closeNames = [...]string{
	"normal closure", "going away", "protocol error", "unsupported data",
	"", "no status", "abnormal closure", "invalid payload data",
	"policy violation", "message too big", "mandatory extension",
	"internal error", "service restart", "try again later", "bad gateway",
	"TLS handshake",
}

// String returns the code's number and, for codes RFC 6455 and the IANA
// registry name, its name: "1000 (normal closure)".
func (c CloseCode) String() string {
	num := strconv.Itoa(int(c))
	if c >= 1000 && int(c-1000) < len(closeNames) && closeNames[c-1000] != "" {
		return num + " (" + closeNames[c-1000] + ")"
	}
	return num
}

// ValidOnWire reports whether c may appear in a Close frame: 1000–1003,
// 1007–1014, or 3000–4999 (registered and private use). 1004 is reserved,
// 1005, 1006 and 1015 are for reporting locally, and 1016–2999 are
// unassigned or reserved for future revisions of the protocol.
func (c CloseCode) ValidOnWire() bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	default:
		return c >= 3000 && c <= 4999
	}
}

// ParseClose reads the payload of a Close frame. An empty payload means the
// peer gave no status: code is [CloseNoStatus] and err nil. Otherwise the
// first two bytes are the code, which must be [CloseCode.ValidOnWire], and the
// rest is the reason, which must be valid UTF-8 and aliases p.
//
// Errors: [ErrCloseLength] for a 1-byte payload, [ErrCloseCode] (1002),
// [ErrCloseReasonUTF8] (1007) and, for a payload over 125 bytes,
// [ErrControlTooLong].
func ParseClose(p []byte) (code CloseCode, reason []byte, err error) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, nil, nil
	case len(p) == 1:
		return 0, nil, ErrCloseLength
	case len(p) > MaxControlPayload:
		return 0, nil, ErrControlTooLong
	}
	code = CloseCode(binary.BigEndian.Uint16(p))
	if !code.ValidOnWire() {
		return 0, nil, ErrCloseCode
	}
	reason = p[2:]
	if !utf8valid.Valid(reason) {
		return 0, nil, ErrCloseReasonUTF8
	}
	return code, reason, nil
}

// AppendClosePayload appends the payload of a Close frame with code and
// reason to dst. Code [CloseNoStatus] with an empty reason gives an empty
// payload, the way to close without a status; any other code must be
// [CloseCode.ValidOnWire] ([ErrCloseCode] otherwise), and reason must be valid
// UTF-8 ([ErrCloseReasonUTF8]) of at most [MaxCloseReason] bytes
// ([ErrCloseReasonTooLong]). On error dst is returned unchanged.
func AppendClosePayload(dst []byte, code CloseCode, reason string) ([]byte, error) {
	if err := checkClose(code, reason); err != nil {
		return dst, err
	}
	if code == CloseNoStatus {
		return dst, nil
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	return append(dst, reason...), nil
}

// checkClose applies AppendClosePayload's rules.
func checkClose(code CloseCode, reason string) error {
	if code == CloseNoStatus {
		if reason != "" {
			return ErrCloseCode
		}
		return nil
	}
	if !code.ValidOnWire() {
		return ErrCloseCode
	}
	if len(reason) > MaxCloseReason {
		return ErrCloseReasonTooLong
	}
	// Viewing the string as bytes, rather than converting it, keeps a
	// reason longer than the compiler's 32-byte stack buffer from allocating.
	if !utf8valid.Valid(unsafe.Slice(unsafe.StringData(reason), len(reason))) {
		return ErrCloseReasonUTF8
	}
	return nil
}
