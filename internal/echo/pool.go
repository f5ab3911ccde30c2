package echo

import "sync"

// Buffer sizes. A read takes what the socket has, up to readBufSize, so a
// 64 KiB message needs a few reads; message buffers start small and grow
// to the largest message seen, but only ones up to maxPooledMsg go back to
// the pool, so one 16 MiB message does not pin 16 MiB for ever.
const (
	readBufSize  = 32 << 10
	msgBufSize   = 4 << 10
	maxPooledMsg = 1 << 20
)

var readPool = sync.Pool{New: func() any {
	b := make([]byte, readBufSize)
	return &b
}}

var msgPool = sync.Pool{New: func() any {
	b := make([]byte, 0, msgBufSize)
	return &b
}}

func getReadBuf() *[]byte  { return readPool.Get().(*[]byte) }
func putReadBuf(b *[]byte) { readPool.Put(b) }

func getMsgBuf() *[]byte { return msgPool.Get().(*[]byte) }

func putMsgBuf(b *[]byte) {
	if cap(*b) > maxPooledMsg {
		return
	}
	*b = (*b)[:0]
	msgPool.Put(b)
}
