// Package pmdeflate compresses and decompresses the payloads of WebSocket
// messages for the permessage-deflate extension (RFC 7692), without I/O and
// without goroutines: compressing on the standard library's compress/flate,
// decompressing with a DEFLATE decoder of its own that can stop and resume
// anywhere in its input.
//
// A [Compressor] turns a message, given whole or in chunks, into the bytes
// that go into its frames (the first of which carries codec.Rsv1); a
// [Decompressor] turns the payload of a compressed message, in whatever
// chunks it arrives, back into the message, and stops at a limit on the
// inflated size, however small the compressed input ([ErrDeflateTooBig],
// close code 1009). Both handle RFC 7692 §7.2's framing: the compressor
// removes the 00 00 ff ff that ends every flushed message, the decompressor
// puts it back. Their errors carry close codes ([Error]), which
// codec.CodeOf reads.
//
// What the handshake agreed (codec.NegotiateDeflate on a server,
// codec.AcceptDeflateResponse on a client) maps onto the two configs through
// DeflateParams.Outgoing (the compressor: context takeover allowed, the
// peer's window bits) and DeflateParams.Incoming (the decompressor: whether
// the peer keeps its context).
//
// # Why a decoder of its own
//
// compress/flate's reader cannot resume once its input runs out, and a
// message arrives in frames: inflating each frame as it comes would need
// the decoder to stop mid-block. The Decompressor's decoder keeps the bits
// of a partly read symbol and its place in the stream (a stored block's
// remaining length, a dynamic block's header half read, a back-reference
// half written) and carries on with the next chunk, as zlib's inflate does.
// Every chunking of a message inflates to the same bytes, output follows
// input, and no compressed input is ever held.
//
// # Window bits
//
// compress/flate always compresses with a 32 KiB window (15 bits) and cannot
// be told to use less. When the peer asks for fewer than 15 bits
// (server_max_window_bits on a server, client_max_window_bits on a client),
// the compressor therefore uses flate.HuffmanOnly: Huffman coding with no
// back-references at all, which every decompressor accepts whatever its
// window, so the answer is conformant for every value 8..15. Such messages
// compress less (text typically to 60–70% rather than 20–40%). Decompressing
// needs no such care: a 32 KiB window covers every smaller one.
//
// # Memory
//
// Without context takeover (the default of both configs), a compressor or
// decompressor holds state only while a message is in progress and takes
// it from pools shared by all connections: an idle connection holds none,
// only the few words of the structs themselves. With context takeover the
// state must outlive the message: a compressor keeps its own flate.Writer
// (about 1.2 MB at flate.BestSpeed, 0.8 MB at the other levels, as
// compress/flate allocates it) and a decompressor its 32 KiB history, a
// ring that is written in place, so that a small message costs its own size
// however long the history (its decoding tables are still pooled). Reset
// gives all of it back. The bench module measures both per idle connection.
//
// # Allocations
//
// Compressing allocates nothing in steady state (pooled writers, output
// appended to the caller's buffer). Decompressing allocates nothing, for
// every block type: the decoder builds the codes of dynamic-Huffman blocks
// into arrays of its own.
package pmdeflate
