package conformance

import (
	"sort"
	"sync"
	"time"
)

// CaseResult is everything recorded about one case run against one agent,
// with Autobahn's field names, so the per-case JSON reads like Autobahn's.
type CaseResult struct {
	Agent       string             `json:"agent"`
	ID          string             `json:"id"`
	Index       int                `json:"case"`
	Description string             `json:"description"`
	Expectation string             `json:"expectation"`
	Started     string             `json:"started"`
	Duration    int64              `json:"duration"` // milliseconds
	ReportTime  bool               `json:"reportTime"`
	Behavior    string             `json:"behavior"`
	BehaviorCl  string             `json:"behaviorClose"`
	Expected    map[string][]Event `json:"expected"`
	ExpectedCl  ExpectedClose      `json:"expectedClose"`
	Received    []Event            `json:"received"`
	Result      string             `json:"result"`
	ResultClose string             `json:"resultClose"`

	Wirelog       [][]any `json:"wirelog"`
	CreateWirelog bool    `json:"createWirelog"`
	CreateStats   bool    `json:"createStats"`

	IsServer                       bool    `json:"isServer"`
	ClosedByMe                     bool    `json:"closedByMe"`
	FailedByMe                     bool    `json:"failedByMe"`
	DroppedByMe                    bool    `json:"droppedByMe"`
	WasClean                       bool    `json:"wasClean"`
	WasNotCleanReason              *string `json:"wasNotCleanReason"`
	WasServerConnectionDropTimeout bool    `json:"wasServerConnectionDropTimeout"`
	WasOpenHandshakeTimeout        bool    `json:"wasOpenHandshakeTimeout"`
	WasCloseHandshakeTimeout       bool    `json:"wasCloseHandshakeTimeout"`
	LocalCloseCode                 *int    `json:"localCloseCode"`
	LocalCloseReason               *string `json:"localCloseReason"`
	RemoteCloseCode                *int    `json:"remoteCloseCode"`
	RemoteCloseReason              *string `json:"remoteCloseReason"`

	RxOctetStats map[int]int `json:"rxOctetStats"`
	TxOctetStats map[int]int `json:"txOctetStats"`
	RxFrameStats map[int]int `json:"rxFrameStats"`
	TxFrameStats map[int]int `json:"txFrameStats"`

	HTTPRequest  string `json:"httpRequest"`
	HTTPResponse string `json:"httpResponse"`
	// Extension is the negotiated permessage-deflate and its parameters
	// (sections 12 and 13); empty when none was.
	Extension string `json:"extension,omitempty"`
}

// Passed reports whether the case counts as passed (see Passed).
func (r *CaseResult) Passed() bool { return Passed(r.Behavior, r.BehaviorCl) }

// newResult starts a result for a case about to run.
func newResult(agent string, index int, c *Case, isServer bool) *CaseResult {
	return &CaseResult{
		Agent: agent, ID: c.ID, Index: index, Description: c.Description, Expectation: c.Expectation,
		Started: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), ReportTime: c.ReportTime,
		Behavior: Failed, BehaviorCl: Failed, Expected: map[string][]Event{}, Received: []Event{},
		IsServer: isServer, CreateStats: true, CreateWirelog: true,
		RxOctetStats: map[int]int{}, TxOctetStats: map[int]int{}, RxFrameStats: map[int]int{}, TxFrameStats: map[int]int{},
	}
}

// openFailed fills a result for a case whose connection never opened.
func (r *CaseResult) openFailed(err error, timeout bool, started time.Time) {
	r.Duration = time.Since(started).Milliseconds()
	r.Result = "The WebSocket connection could not be opened: " + err.Error()
	r.ResultClose = "The WebSocket connection was never open"
	r.WasOpenHandshakeTimeout = timeout
	reason := "the opening handshake failed"
	r.WasNotCleanReason = &reason
}

// fill copies a finished session into the result.
func (r *CaseResult) fill(s *session) {
	r.Duration = time.Since(s.start).Milliseconds()
	r.Behavior, r.BehaviorCl = s.Behavior, s.BehaviorClose
	r.Result, r.ResultClose = s.Result, s.ResultClose
	r.Expected = s.Expected
	r.ExpectedCl = s.ExpectedClose
	if s.Received != nil {
		r.Received = s.Received
	}
	r.ClosedByMe, r.FailedByMe, r.DroppedByMe, r.WasClean = s.closedByMe, s.failedByMe, s.droppedByMe, s.wasClean
	if !s.wasClean && s.wasNotCleanReason != "" {
		reason := s.wasNotCleanReason
		r.WasNotCleanReason = &reason
	}
	r.WasServerConnectionDropTimeout = s.wasServerConnectionDropTimeout
	r.WasCloseHandshakeTimeout = s.wasCloseHandshakeTimeout
	r.LocalCloseCode, r.LocalCloseReason = s.localCloseCode, s.localCloseReason
	r.RemoteCloseCode, r.RemoteCloseReason = s.remoteCloseCode, s.remoteCloseReason
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Wirelog = s.wirelog
	r.CreateWirelog = s.createWirelog
	r.RxOctetStats, r.TxOctetStats = s.rxOctetStats, s.txOctetStats
	r.RxFrameStats, r.TxFrameStats = s.rxFrameStats, s.txFrameStats
}

// Results collects case results by agent; it is safe for concurrent use.
type Results struct {
	mu     sync.Mutex
	agents map[string]map[string]*CaseResult
}

// NewResults returns an empty collection.
func NewResults() *Results { return &Results{agents: map[string]map[string]*CaseResult{}} }

// Add stores r, replacing an earlier run of the same case for the agent.
func (rs *Results) Add(r *CaseResult) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	m := rs.agents[r.Agent]
	if m == nil {
		m = map[string]*CaseResult{}
		rs.agents[r.Agent] = m
	}
	m[r.ID] = r
}

// Get returns the result of case id for agent, if there is one.
func (rs *Results) Get(agent, id string) (*CaseResult, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r, ok := rs.agents[agent][id]
	return r, ok
}

// Agents returns the agents with results, sorted.
func (rs *Results) Agents() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []string
	for a := range rs.agents {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// ForAgent returns an agent's results in case order.
func (rs *Results) ForAgent(agent string) []*CaseResult {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	var out []*CaseResult
	for _, r := range rs.agents[agent] {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

// Counts returns how many results passed and failed, over all agents.
func (rs *Results) Counts() (passed, failed int) {
	for _, a := range rs.Agents() {
		for _, r := range rs.ForAgent(a) {
			if r.Passed() {
				passed++
			} else {
				failed++
			}
		}
	}
	return passed, failed
}
