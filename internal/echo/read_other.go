//go:build !unix

package echo

import "net"

// init leaves r.raw nil: without syscall.RawConn's readiness callback
// (Windows, js/wasm, wasip1) reads go through net.Conn.Read, and the read
// buffer is taken from the pool before the read blocks.
func (r *sockReader) init(net.Conn) {}
