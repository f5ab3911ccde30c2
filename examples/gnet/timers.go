package main

import (
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/wsframe/wsframe/codec"
)

// The ticker enforces four timeouts. gnet calls OnTick on a goroutine of
// its own, and a connection's state belongs to its event loop, so the
// ticker reads nothing of a connection but its list links (under the
// server's lock) and two atomic stamps, and acts on it only through gnet's
// Close and Wake, which hand the work to the connection's loop.
//
//   - HandshakeTimeout and CloseTimeout: a connection in the opening or the
//     closing handshake has a deadline and is on the timed list, swept
//     every tick; when the deadline passes it is closed, without a Close
//     frame (the handshake never finished, or ours is already out).
//   - ReadTimeout and MessageTimeout: an open connection is on the open
//     list. Every read stamps it with the ticker's clock (conn.readAt), and
//     the end of a read that leaves a data message open with the tick that
//     message began in (conn.msgAt). When a stamp is too old the ticker
//     wakes the connection; OnTraffic, called on its loop without bytes,
//     checks the stamps again (a read may have come since) and fails it
//     with a Close frame, 1001 or 1008, and the closing handshake follows
//     as for any failure.
//
// The clock counts ticks rather than reading the time, so that a read
// costs three loads (the clock, and the two stamps to see whether they
// change), and a store once a tick. A stamp t says that the read
// came after tick t began and before tick t+1 did. gnet waits tickEvery
// after each OnTick returns before the next, so at tick n that read is at
// least (n-t-1) ticks old, and a timeout of k ticks (rounded up) has run
// out when n-t > k: never early, at most a tick late, later still if the
// ticker itself is held up (a timeout is then late, never early). The open
// list is swept every openEvery ticks, an eighth of the shorter timeout
// (at least every tick), which adds at most that much: 7.5 s for the
// default 60 s ReadTimeout, for a sweep that costs a few atomic loads per
// connection (10,000 idle connections: one pass over 10,000 structs of 80
// bytes every 7.5 s).
//
// A connection is on one list at a time, so both share its links: the
// timed list from OnOpen, the open list from the 101 (watch), the timed
// list again from our Close (setDeadline), none from OnClose. The lists
// change at those steps only, never per read. A sweep lets go of the lock
// every sweepBatch connections, so that a loop opening or closing a
// connection never waits for a pass over all of them; s.cursor, the next
// connection to visit, is moved on by unlistLocked when it takes that
// connection off its list.

// tickEvery is how often OnTick runs.
const tickEvery = 100 * time.Millisecond

// sweepBatch is how many connections a sweep visits under one hold of the
// lock.
const sweepBatch = 256

// inTicks returns d in ticks, rounded up.
func inTicks(d time.Duration) int64 {
	return int64((d + tickEvery - 1) / tickEvery)
}

// The lists a connection can be on (conn.list).
const (
	listNone uint8 = iota
	listTimed
	listOpen
)

// connList is a doubly linked list of connections, through conn.prev and
// conn.next.
type connList struct{ head, tail *conn }

func (l *connList) push(w *conn) {
	w.prev, w.next = l.tail, nil
	if l.tail != nil {
		l.tail.next = w
	} else {
		l.head = w
	}
	l.tail = w
}

func (l *connList) remove(w *conn) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		l.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		l.tail = w.prev
	}
	w.prev, w.next = nil, nil
}

// Errors an open connection fails with when a timeout runs out: their
// close codes, and the reasons of the Close frames, are wsecho's.
var (
	errIdle           = &timeoutError{codec.CloseGoingAway, "read timeout: peer sent nothing"}
	errMessageTimeout = &timeoutError{codec.ClosePolicyViolation, "message timeout: data message not finished in time"}
)

// timeoutError is a timeout that fails a connection, with its close code
// (codec.CodeOf reads it through the CloseCode method).
type timeoutError struct {
	code codec.CloseCode
	msg  string
}

func (e *timeoutError) Error() string     { return e.msg }
func (e *timeoutError) CloseCode() uint16 { return uint16(e.code) }

// expired returns the timeout that has run out, at tick, for the open
// connection w, or nil. The message's is named first when both have, as
// wsecho does. Both the ticker and w's loop ask.
func (s *Server) expired(w *conn, tick int64) error {
	if m := w.msgAt.Load(); m != 0 && tick-m > s.msgTicks {
		return errMessageTimeout
	}
	if tick-w.readAt.Load() > s.idleTicks {
		return errIdle
	}
	return nil
}

// setDeadline puts w on the timed list, to be closed d from now unless it
// leaves the list first. With wake, the ticker also wakes it (an
// OnTraffic without bytes) on every sweep: its Close is still being
// written, and afterWrite looks again. A connection already on the timed
// list keeps its deadline and only changes wake; one on the open list
// leaves it.
func (s *Server) setDeadline(w *conn, d time.Duration, wake bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.list != listTimed {
		s.unlistLocked(w)
		w.deadline = time.Now().Add(d).UnixNano()
		w.list = listTimed
		s.timed.push(w)
	}
	w.wake = wake
}

// watch moves w, whose opening handshake is complete, from the timed list
// to the open list.
func (s *Server) watch(w *conn) {
	s.mu.Lock()
	s.unlistLocked(w)
	w.list = listOpen
	s.open.push(w)
	s.mu.Unlock()
}

// unlist takes w off its list, if it is on one.
func (s *Server) unlist(w *conn) {
	s.mu.Lock()
	s.unlistLocked(w)
	s.mu.Unlock()
}

func (s *Server) unlistLocked(w *conn) {
	var l *connList
	switch w.list {
	case listTimed:
		l = &s.timed
	case listOpen:
		l = &s.open
	default:
		return
	}
	if s.cursor == w {
		s.cursor = w.next
	}
	l.remove(w)
	w.list, w.deadline, w.wake = listNone, 0, false
}

// OnTick advances the clock, closes the connections whose deadline passed,
// wakes those whose Close is still being written and, every openEvery
// ticks, those whose read or message timeout ran out.
func (s *Server) OnTick() (time.Duration, gnet.Action) {
	tick := s.ticks.Add(1)
	s.sweep(&s.timed, tick, time.Now().UnixNano())
	if tick%s.openEvery == 0 {
		s.sweep(&s.open, tick, 0)
	}
	return tickEvery, gnet.None
}

// sweep visits every connection on l (s.timed or s.open), letting go of
// the lock every sweepBatch connections. It allocates nothing and makes no
// system call but for the connections it closes or wakes.
func (s *Server) sweep(l *connList, tick, now int64) {
	s.mu.Lock()
	s.cursor = l.head
	for n := 1; s.cursor != nil; n++ {
		w := s.cursor
		s.cursor = w.next
		switch {
		case l == &s.open:
			if s.expired(w, tick) != nil {
				_ = w.gc.Wake(nil) // OnTraffic decides, on w's loop
			}
		case w.deadline <= now:
			s.unlistLocked(w)
			counters.dropped.Add(1)
			_ = w.gc.Close() // asynchronous: OnClose follows on w's loop
		case w.wake:
			_ = w.gc.Wake(nil)
		}
		if n%sweepBatch == 0 {
			// Connections that open, close or change lists meanwhile
			// keep s.cursor right (see unlistLocked).
			s.mu.Unlock()
			s.mu.Lock()
		}
	}
	s.mu.Unlock()
}
