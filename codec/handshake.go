package codec

import (
	"crypto/sha1"
	"encoding/base64"
	"io"
)

// KeyLen is the length of a valid Sec-WebSocket-Key: 16 bytes in base64.
const KeyLen = 24

// AcceptLen is the length of a Sec-WebSocket-Accept value: a SHA-1 digest in
// base64.
const AcceptLen = 28

// acceptGUID is the fixed string RFC 6455 §1.3 appends to the key.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// b64index maps a byte to its value in the standard base64 alphabet, or
// 0xFF.
var b64index = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = 0xFF
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// ValidKey reports whether key is a valid Sec-WebSocket-Key (RFC 6455
// §4.2.1): the canonical standard base64 encoding of 16 bytes, 22 characters
// of the alphabet followed by "==", whose last character carries no stray
// bits. The caller trims the header value's surrounding whitespace.
func ValidKey[K ~string | ~[]byte](key K) bool {
	if len(key) != KeyLen || key[22] != '=' || key[23] != '=' {
		return false
	}
	for i := 0; i < 22; i++ {
		if b64index[key[i]] == 0xFF {
			return false
		}
	}
	// 22 characters carry 132 bits; the last 4 must be zero for the
	// encoding of 128 bits to be the canonical one.
	return b64index[key[21]]&0xF == 0
}

// AppendAccept appends the Sec-WebSocket-Accept value for key (RFC 6455
// §4.2.2: base64 of the SHA-1 of key and a fixed GUID), [AcceptLen] bytes,
// and returns the extended slice. A key that is not [ValidKey] gets
// [ErrInvalidKey], to be answered with HTTP 400, and dst unchanged. A server
// answers with it; a client checks the server's answer with [ValidAccept].
func AppendAccept[K ~string | ~[]byte](dst []byte, key K) ([]byte, error) {
	if !ValidKey(key) {
		return dst, ErrInvalidKey
	}
	var in [KeyLen + len(acceptGUID)]byte
	copy(in[:], key)
	copy(in[KeyLen:], acceptGUID)
	sum := sha1.Sum(in[:])
	var out [AcceptLen]byte
	base64.StdEncoding.Encode(out[:], sum[:])
	return append(dst, out[:]...), nil
}

// ValidAccept reports whether accept is the Sec-WebSocket-Accept value for
// key, the check a client makes on the server's response (§4.1).
func ValidAccept[K ~string | ~[]byte, A ~string | ~[]byte](key K, accept A) bool {
	var buf [AcceptLen]byte
	want, err := AppendAccept(buf[:0], key)
	if err != nil || len(accept) != AcceptLen {
		return false
	}
	for i := range want {
		if want[i] != accept[i] {
			return false
		}
	}
	return true
}

// AppendKey appends a fresh Sec-WebSocket-Key, 16 bytes from random (nil:
// crypto/rand) in base64, [KeyLen] bytes, for a client's opening request.
func AppendKey(dst []byte, random io.Reader) ([]byte, error) {
	if random == nil {
		random = randReader()
	}
	var raw [16]byte
	if _, err := io.ReadFull(random, raw[:]); err != nil {
		return dst, err
	}
	var out [KeyLen]byte
	base64.StdEncoding.Encode(out[:], raw[:])
	return append(dst, out[:]...), nil
}
