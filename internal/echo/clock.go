package echo

import (
	"math"
	"time"
)

// mono is a reading of the connections' clock: nanoseconds since epoch on
// the monotonic clock. A Conn keeps its deadlines and clock readings in
// this form rather than as time.Time because it only adds durations to
// them and compares them, and 8 bytes each instead of 24 help keep an idle
// connection small (see TestConnSize). A mono becomes a time.Time only to
// be handed to SetReadDeadline or SetWriteDeadline.
type mono int64

// epoch is the origin of mono. It carries a monotonic reading, so
// time.Since(epoch) is monotonic as the time.Now readings it replaces
// were, and costs less (no wall clock read); and epoch.Add gives deadlines
// that keep the monotonic reading, which the net package's deadlines use.
var epoch = time.Now()

// monoNow returns the current time.
func monoNow() mono { return mono(time.Since(epoch)) }

// add returns t+d, saturated at the largest mono rather than wrapped as
// int64 would: a huge timeout means a deadline far off, as time.Time.Add
// would give it, and not one in the past.
func (t mono) add(d time.Duration) mono {
	s := t + mono(d)
	if d > 0 && s < t {
		return math.MaxInt64
	}
	return s
}

// time returns t as a time.Time for a deadline.
func (t mono) time() time.Time { return epoch.Add(time.Duration(t)) }
