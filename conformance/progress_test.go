package conformance

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newTestProgress(mode progressMode) (*Progress, *bytes.Buffer, *fakeClock) {
	var buf bytes.Buffer
	clk := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &Progress{w: &buf, mode: mode, now: clk.now, manual: true}, &buf, clk
}

func mustCases(t *testing.T, patterns ...string) []*Case {
	t.Helper()
	cs, err := MatchCases(patterns, nil)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func result(agent, id string, ok bool) *CaseResult {
	r := &CaseResult{Agent: agent, ID: id, Behavior: OK, BehaviorCl: OK}
	if !ok {
		r.Behavior = Failed
	}
	return r
}

// TestProgressLog: in a log, a line when a section is done for an agent,
// one when a minute passed without a line, and none otherwise.
func TestProgressLog(t *testing.T) {
	p, buf, clk := newTestProgress(progressLog)
	p.Planned("srv", mustCases(t, "1.1.1", "1.1.2", "2.1"))
	p.Started("srv", mustCases(t, "1.1.1")[0])
	clk.add(2 * time.Second)
	p.Finished(result("srv", "1.1.1", true))
	if buf.Len() != 0 {
		t.Fatalf("a line before a section was done: %q", buf)
	}
	p.Started("srv", mustCases(t, "1.1.2")[0])
	p.Finished(result("srv", "1.1.2", false))
	want := "srv: section 1 done, 2 cases, 1 failed; 2/3 cases, 1 failed, 2s elapsed, ~1s left\n"
	if buf.String() != want {
		t.Fatalf("got %q, want %q", buf, want)
	}
	buf.Reset()
	p.Started("srv", mustCases(t, "2.1")[0])
	clk.add(59 * time.Second)
	p.tick()
	if buf.Len() != 0 {
		t.Fatalf("a line within the minute: %q", buf)
	}
	clk.add(time.Second)
	p.tick()
	if got := buf.String(); got != "2/3 cases, 1 failed, running 2.1, 1m2s elapsed, ~31s left\n" {
		t.Errorf("minute line %q", got)
	}
	buf.Reset()
	p.Finished(result("srv", "2.1", true))
	p.Done()
	p.Done() // a second Done writes nothing more
	if got := buf.String(); got != "srv: section 2 done, 1 cases, 0 failed; 3/3 cases, 1 failed, 1m2s elapsed\n3/3 cases, 1 failed, in 1m2s\n" {
		t.Errorf("end %q", got)
	}
}

// TestProgressLive: on a terminal, one line redrawn in place with the
// running case, cleared at the end for the final count.
func TestProgressLive(t *testing.T) {
	p, buf, clk := newTestProgress(progressLive)
	cs := mustCases(t, "9.1.1", "9.1.2") // a 64 KiB and a 256 KiB message: weights 1.135 and 1.51
	p.Planned("srv", cs)
	p.Started("srv", cs[0])
	clk.add(500 * time.Millisecond)
	p.Started("srv", cs[1])
	clk.add(1500 * time.Millisecond)
	p.Finished(result("srv", "9.1.1", true))
	out := buf.String()
	last := out[strings.LastIndex(out, "\r"):]
	// 2 s for weight 1.135: the remaining 1.51 take 2.66 s.
	if want := "\r1/2 cases, 0 failed, running 9.1.2, 2s elapsed, ~2.7s left\x1b[K"; last != want {
		t.Errorf("line %q, want %q", last, want)
	}
	if strings.Contains(out, "\n") {
		t.Errorf("a newline while running: %q", out)
	}
	buf.Reset()
	p.Finished(result("srv", "9.1.2", false))
	p.Done()
	if got := buf.String(); !strings.HasSuffix(got, "\r\x1b[K2/2 cases, 1 failed, in 2s\n") {
		t.Errorf("end %q", got)
	}
}

// TestProgressCases: verbose, a line per case with the verdicts.
func TestProgressCases(t *testing.T) {
	p, buf, _ := newTestProgress(progressCases)
	p.Planned("a", mustCases(t, "1.1.1"))
	p.Planned("b", mustCases(t, "1.1.1", "1.1.2"))
	p.Planned("a", mustCases(t, "1.1.1")) // announced again: replaces, not adds
	p.Finished(result("b", "1.1.2", false))
	want := "1.1.2    b          FAILED        OK               FAIL; 1/3 cases, 1 failed, 0s elapsed, ~0s left\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf, want)
	}
}

// TestProgressTerminal: NewProgress keeps one updating line only on a
// terminal, and one line per case when verbose.
func TestProgressTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if p := NewProgress(f, false); p.mode != progressLog {
		t.Errorf("a file: mode %d", p.mode)
	}
	if p := NewProgress(&bytes.Buffer{}, true); p.mode != progressCases {
		t.Errorf("verbose: mode %d", p.mode)
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if p := NewProgress(tty, false); p.mode != progressLive {
			t.Errorf("a terminal: mode %d", p.mode)
		}
	}
}
