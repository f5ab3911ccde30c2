package conformance

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Observer is told about a run as it goes. Runner and FuzzServer call it
// from several goroutines at once; Progress is the implementation that
// shows a run to people.
type Observer interface {
	// Planned announces the cases agent is to run. Announcing an agent
	// again replaces its plan.
	Planned(agent string, cases []*Case)
	// Started says that agent's case c began.
	Started(agent string, c *Case)
	// Finished gives a case's result.
	Finished(r *CaseResult)
}

type progressMode int

const (
	progressLog   progressMode = iota // a line per section, or per minute
	progressLive                      // one line, redrawn in place
	progressCases                     // a line per case
)

// Progress shows how a run is going: cases done out of the total,
// failures so far, the case running, the time taken and an estimate of
// the time left. On a terminal it keeps one line up to date; otherwise
// (a CI log) it writes a line whenever a section is done for an agent,
// and at least one a minute; verbose, it writes a line per case. It is an
// Observer: set it as a Runner's Observer, then call Done at the end.
//
// Its estimate weighs each remaining case by the messages and octets it
// moves (the 1000 compressed round trips of each case of sections 12 and
// 13 are most of a run) and scales by the time the finished cases took.
type Progress struct {
	w     io.Writer
	mode  progressMode
	every time.Duration    // log mode: at most this long without a line
	now   func() time.Time // the clock, replaced by tests
	// manual leaves the redraw loop off: tests call tick themselves.
	manual bool

	mu         sync.Mutex
	start      time.Time
	lastLine   time.Time
	plans      map[string][]*Case // by agent
	total      int
	totalW     float64
	done       int
	doneW      float64
	failed     int
	running    map[caseKey]time.Time
	sections   map[caseKey]*sectionCount // key: agent and section
	stop, gone chan struct{}             // the redraw loop
	drawn      bool                      // live mode: a line is on screen
	ended      bool                      // Done has written the last line
}

type sectionCount struct{ planned, done, failed int }

// NewProgress returns a Progress writing to w (the commands use stderr):
// one line per case when verbose, else one updating line when w is a
// terminal, else a line per section and per minute.
func NewProgress(w io.Writer, verbose bool) *Progress {
	p := &Progress{w: w, mode: progressLog}
	switch {
	case verbose:
		p.mode = progressCases
	case isTerminal(w):
		p.mode = progressLive
	}
	return p
}

// isTerminal reports whether w is a character device, which is what a
// terminal is; a pipe or a file is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// weight is a case's expected share of a run's time: a connection and a
// few frames, and its cost beyond that.
func weight(c *Case) float64 { return 1 + c.cost }

func (p *Progress) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

// begin starts the clock and the redraw loop; p.mu is held.
func (p *Progress) begin() {
	if p.plans != nil {
		return
	}
	p.plans = map[string][]*Case{}
	p.running = map[caseKey]time.Time{}
	p.sections = map[caseKey]*sectionCount{}
	p.start = p.clock()
	p.lastLine = p.start
	if p.mode == progressCases || p.manual {
		return
	}
	p.stop, p.gone = make(chan struct{}), make(chan struct{})
	tick := time.Second // live: the elapsed time moves
	if p.mode == progressLog {
		tick = 5 * time.Second
	}
	go p.loop(tick, p.stop, p.gone)
}

// loop redraws every tick until stop is closed, then closes gone. It
// takes the channels as arguments: Done clears the fields.
func (p *Progress) loop(tick time.Duration, stop <-chan struct{}, gone chan<- struct{}) {
	defer close(gone)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			p.tick()
		}
	}
}

// tick redraws the live line, or writes a log line if none was written
// for a while.
func (p *Progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.mode {
	case progressLive:
		p.draw()
	case progressLog:
		every := p.every
		if every <= 0 {
			every = time.Minute
		}
		if p.clock().Sub(p.lastLine) >= every {
			p.line("")
		}
	}
}

// Planned implements Observer.
func (p *Progress) Planned(agent string, cases []*Case) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.begin()
	for _, c := range p.plans[agent] {
		p.total--
		p.totalW -= weight(c)
		p.sections[caseKey{agent, Section(c.ID)}].planned--
	}
	p.plans[agent] = cases
	for _, c := range cases {
		p.total++
		p.totalW += weight(c)
		k := caseKey{agent, Section(c.ID)}
		if p.sections[k] == nil {
			p.sections[k] = &sectionCount{}
		}
		p.sections[k].planned++
	}
	if p.mode == progressLive {
		p.draw()
	}
}

// Started implements Observer.
func (p *Progress) Started(agent string, c *Case) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.begin()
	p.running[caseKey{agent, c.ID}] = p.clock()
	if p.mode == progressLive {
		p.draw()
	}
}

// Finished implements Observer.
func (p *Progress) Finished(r *CaseResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.begin()
	delete(p.running, caseKey{r.Agent, r.ID})
	p.done++
	if c, ok := CaseByID(r.ID); ok {
		p.doneW += weight(c)
	}
	ok := r.Passed()
	if !ok {
		p.failed++
	}
	sc := p.sections[caseKey{r.Agent, Section(r.ID)}]
	if sc != nil {
		sc.done++
		if !ok {
			sc.failed++
		}
	}
	switch p.mode {
	case progressCases:
		word := "pass"
		if !ok {
			word = "FAIL"
		}
		p.line(fmt.Sprintf("%-8s %-10s %-13s %-16s %s", r.ID, r.Agent, r.Behavior, r.BehaviorCl, word))
	case progressLog:
		if sc != nil && sc.done == sc.planned {
			p.line(fmt.Sprintf("%s: section %s done, %d cases, %d failed", r.Agent, Section(r.ID), sc.done, sc.failed))
		}
	case progressLive:
		p.draw()
	}
}

// Done stops the updates and writes the final count, once: call it when
// the run is over, before writing anything else where the progress goes.
func (p *Progress) Done() {
	p.mu.Lock()
	stop, gone := p.stop, p.gone
	p.stop, p.gone = nil, nil
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-gone
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.plans == nil || p.ended {
		return
	}
	p.ended = true
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
	fmt.Fprintf(p.w, "%d/%d cases, %d failed, in %s\n", p.done, p.total, p.failed, roundDuration(p.clock().Sub(p.start)))
}

// status is the line that says where the run is; p.mu is held.
func (p *Progress) status() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d/%d cases, %d failed", p.done, p.total, p.failed)
	if p.mode != progressCases {
		if id, more := p.oldestRunning(); id != "" {
			fmt.Fprintf(&b, ", running %s", id)
			if more > 0 {
				fmt.Fprintf(&b, " (+%d)", more)
			}
		}
	}
	elapsed := p.clock().Sub(p.start)
	fmt.Fprintf(&b, ", %s elapsed", roundDuration(elapsed))
	if p.doneW > 0 && p.done < p.total {
		left := time.Duration(float64(elapsed) * (p.totalW - p.doneW) / p.doneW)
		fmt.Fprintf(&b, ", ~%s left", roundDuration(left))
	}
	return b.String()
}

// oldestRunning names the case that has been running longest (the one a
// person waits for) and how many others run beside it.
func (p *Progress) oldestRunning() (string, int) {
	var keys []caseKey
	for k := range p.running {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return "", 0
	}
	sort.Slice(keys, func(i, j int) bool {
		ti, tj := p.running[keys[i]], p.running[keys[j]]
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return idLess(keys[i].id, keys[j].id)
	})
	id := keys[0].id
	if len(p.plans) > 1 {
		id = keys[0].agent + " " + id
	}
	return id, len(keys) - 1
}

// line writes one line of the log: msg (if any) and the status; p.mu is
// held.
func (p *Progress) line(msg string) {
	if msg != "" {
		msg += "; "
	}
	fmt.Fprintf(p.w, "%s%s\n", msg, p.status())
	p.lastLine = p.clock()
}

// draw redraws the live line; p.mu is held.
func (p *Progress) draw() {
	if p.plans == nil {
		return
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.status())
	p.drawn = true
}

func roundDuration(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
