//go:build !unix

package main

import (
	"errors"

	"github.com/panjf2000/gnet/v2"
)

// shutdownWrite has no half-close to offer here: the connection is closed
// once our Close frame is written.
func shutdownWrite(gnet.Conn) error {
	return errors.New("half-close not supported on this platform")
}

// listenAddr cannot ask the listener here; the address given to Run must
// have a port.
func listenAddr(gnet.Engine) (string, error) {
	return "", errors.New("listen address unknown on this platform: give a port")
}

// maxIovecs bounds the iovecs of one write, as on Unix.
const maxIovecs = 16

// iovecs has no use here: writes go through gnet.
type iovecs struct{}

// writev is not available here: it takes nothing, and the caller hands
// everything to gnet.
func writev(int, *iovecs, [][]byte) (int, error) { return 0, nil }
