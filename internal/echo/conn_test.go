package echo

import (
	"math"
	"testing"
	"time"
	"unsafe"
)

// TestConnSize keeps a Conn within the allocator's 512-byte size class on
// 64-bit platforms. Every idle connection holds one, and issue 14's target
// for an idle wsecho connection (handshake done, one message echoed) is
// 4 KiB of RSS in all, most of which goes to the goroutine (its 2 KiB
// stack and its g), package net and the runtime's poller; the Conn is the
// part this package owns. Heap objects are rounded up to a size class: a
// Conn of 920 bytes took 1024, and one byte past 512 takes 576. Before
// adding a field, look for one that is needed only sometimes (allocate it
// then, as deflateState and spill are) or that can be shared or narrowed.
func TestConnSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) < 8 {
		t.Skip("the limit is for 64-bit platforms; a Conn is smaller on 32-bit ones")
	}
	const limit = 512
	size := unsafe.Sizeof(Conn{})
	t.Logf("Conn: %d bytes; permessage-deflate state, allocated when negotiated: %d bytes", size, unsafe.Sizeof(deflateState{}))
	if size > limit {
		t.Errorf("Conn is %d bytes, over the %d-byte size class an idle connection's Conn must fit in (issue 14)", size, limit)
	}
}

// TestMonoAdd: a deadline a huge timeout away is far in the future, as
// time.Time.Add makes it, and not wrapped around into the past (a Config
// may ask for a timeout of math.MaxInt64 to mean "never").
func TestMonoAdd(t *testing.T) {
	now := monoNow()
	if got := now.add(time.Second); got != now+mono(time.Second) {
		t.Errorf("now + 1 s = now + %v", time.Duration(got-now))
	}
	far := now.add(math.MaxInt64)
	if far < now {
		t.Fatalf("now + MaxInt64 = %d, before now (%d)", far, now)
	}
	if dl := far.time(); !dl.After(time.Now().Add(100 * 365 * 24 * time.Hour)) {
		t.Errorf("deadline for a timeout of MaxInt64: %v, want centuries away", dl)
	}
	// The deadline of a short timeout is where time.Now().Add puts it:
	// its monotonic reading is compared, so the two agree closely.
	before := time.Now()
	dl := monoNow().add(time.Minute).time()
	after := time.Now()
	if dl.Before(before.Add(time.Minute)) || dl.After(after.Add(time.Minute)) {
		t.Errorf("deadline %v not between %v and %v", dl, before.Add(time.Minute), after.Add(time.Minute))
	}
}
