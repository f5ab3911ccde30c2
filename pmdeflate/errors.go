package pmdeflate

import "github.com/wsframe/wsframe/codec"

// Error is a violation in the payload of a compressed message, with the
// close code the endpoint should send before closing (RFC 6455 §7.4.1).
// codec.CodeOf maps it to that code, as it maps every error that has a
// CloseCode method.
//
// Every Error the package returns is a package variable (one of the
// ErrDeflate ones, or an internal error, 1011, that would mean a bug in the
// decoder), so returning one allocates nothing and errors.Is compares them
// by identity.
type Error struct {
	msg  string
	code uint16
}

// Error returns the message, which starts with "pmdeflate: ".
func (e *Error) Error() string { return e.msg }

// CloseCode returns the close code to send for e.
func (e *Error) CloseCode() uint16 { return e.code }

var (
	// ErrDeflateCorrupt: compressed data that is not a valid DEFLATE
	// stream (RFC 1951), or one that ends inside a block. RFC 7692 names
	// no code; 1007 is what peers send for data inconsistent with the
	// message (Node's ws among them).
	ErrDeflateCorrupt = &Error{"pmdeflate: corrupt compressed data", uint16(codec.CloseInvalidPayload)}
	// ErrDeflateTooBig: a compressed message whose inflated size exceeds
	// the decompressor's limit. Inflating stopped at the limit, whatever
	// the compressed size (a decompression bomb).
	ErrDeflateTooBig = &Error{"pmdeflate: inflated message exceeds the size limit", uint16(codec.CloseMessageTooBig)}
)
