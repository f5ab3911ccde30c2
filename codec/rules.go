package codec

// Role says which end of the connection the codec serves. It decides the
// masking rule (RFC 6455 §5.1): a client masks every frame it sends and
// receives only unmasked frames; a server the reverse. The zero Role is
// [RoleServer].
type Role uint8

const (
	// RoleServer receives masked frames and sends unmasked ones.
	RoleServer Role = iota
	// RoleClient receives unmasked frames and sends masked ones.
	RoleClient
)

// String returns "server" or "client".
func (r Role) String() string {
	if r == RoleClient {
		return "client"
	}
	return "server"
}

// Config holds what the two ends agreed on in the handshake and the limits
// the receiver enforces. The zero Config is a server with no extension,
// messages of at most [DefaultMaxMessageSize] bytes, strict length encoding
// and UTF-8 validation of text messages.
type Config struct {
	// Role is the end this receiver serves.
	Role Role

	// RsvMessage holds the RSV bits ([Rsv1], [Rsv2], [Rsv3]) that a
	// negotiated extension lets the peer set on the first frame of a text
	// or binary message; permessage-deflate (RFC 7692) sets Rsv1 here.
	RsvMessage uint8
	// RsvAny holds the RSV bits the peer may set on every frame,
	// continuation and control frames included. Rsv1 is never accepted on
	// those (RFC 7692 §6: it marks a compressed message, and only the first
	// frame of one), so it is ignored here for them.
	RsvAny uint8

	// AllowNonMinimalLength accepts payload lengths written in more bytes
	// than needed (a 126 form for a length below 126, or a 127 form below
	// 65536). RFC 6455 §5.2 says the minimal number of bytes MUST be used,
	// and no correct sender does otherwise, so the default refuses them with
	// [ErrNonMinimalLength] (1002): a strict reading finds broken peers
	// early, and an intermediary that forwards headers verbatim never sees
	// two encodings of one frame. Set it to tolerate lenient peers.
	AllowNonMinimalLength bool

	// MaxFrameSize, when positive, is the largest payload a data frame may
	// announce ([ErrFrameTooBig], 1009). Zero or negative sets no limit of
	// its own: frames are still bounded by MaxMessageSize. Control frames
	// are bounded at 125 bytes by the protocol and are not subject to it.
	MaxFrameSize int64
	// MaxMessageSize is the largest sum of the payload lengths of a data
	// message's frames ([ErrMessageTooBig], 1009). It counts bytes on the
	// wire, before any extension decompresses them. Zero means
	// [DefaultMaxMessageSize]; [NoLimit] (any negative value) turns the
	// limit off, which lets a peer make a caller that buffers messages
	// grow without bound: choose it only when something else bounds them.
	//
	// Both limits are checked when a frame's header is complete, before any
	// of its payload arrives, so a caller that buffers messages never has
	// to hold more than the limit.
	MaxMessageSize int64

	// SkipUTF8 turns off validation of text messages, for intermediaries
	// that forward payloads without interpreting them. Text messages whose
	// first frame has an RSV bit set are never validated: an extension has
	// transformed the payload (permessage-deflate compresses it), and the
	// caller validates after undoing that, with package utf8valid.
	SkipUTF8 bool
}

// DefaultMaxMessageSize is the message limit of a zero [Config] (and of
// package pmdeflate's decompressor): 16 MiB, the largest message in the
// Autobahn testsuite, and a bound on what one peer can make a connection
// buffer. Peers such as gws use the same default.
const DefaultMaxMessageSize = 16 << 20

// NoLimit, as [Config.MaxMessageSize], turns the message size limit off.
const NoLimit = -1

// messageLimit returns the message limit cfg enforces, or 0 for none.
func (c *Config) messageLimit() int64 {
	switch {
	case c.MaxMessageSize == 0:
		return DefaultMaxMessageSize
	case c.MaxMessageSize < 0:
		return 0
	}
	return c.MaxMessageSize
}

// allowedRsv returns the RSV bits cfg accepts on a frame with opcode op that
// starts a message (first) or not.
func (c *Config) allowedRsv(op Opcode) uint8 {
	if op == OpText || op == OpBinary {
		return c.RsvMessage | c.RsvAny
	}
	return c.RsvAny &^ Rsv1
}
