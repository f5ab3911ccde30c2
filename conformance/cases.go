package conformance

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Case is one Autobahn test case, with Autobahn's id, description and
// expectation (the texts carry Autobahn's HTML markup, as its reports do).
// Cases are defined by this package; Cases and MatchCases list them.
type Case struct {
	ID          string
	Description string
	Expectation string
	// ReportTime shows the case's duration in the summary (section 9).
	ReportTime bool
	// Performance cases (section 9) move megabytes and measure time:
	// they never run in parallel with other cases.
	Performance bool

	// open starts the case once the connection is open. It sets the
	// expected events and closing behaviour and sends the first frames.
	// Everything a case does runs on its session's loop.
	open func(s *session)
	// onMessage, when set, replaces recording messages as events.
	onMessage func(s *session, payload []byte, binary bool)
	// judge, when set, runs after the default judging.
	judge func(s *session)
	// cost is what the case takes beyond a plain one (a connection, a few
	// frames), in units of a plain case: Progress weighs cases by it.
	// Measured against wsecho: a compressed message round trip costs
	// about a sixth of a plain case, an uncompressed one a hundredth, and
	// 512 KiB of payload about one.
	cost float64

	// offers are the permessage-deflate offers the fuzzer makes as a
	// client (none: no Sec-WebSocket-Extensions header, as for sections
	// 1-10); accept picks the offer the fuzzer grants as a server (nil:
	// it grants none).
	offers []pmdOffer
	accept func([]pmdOffer) (pmdAccept, bool)
}

// costOf is the cost of a case that sends messages messages of size
// octets each, compressed or not.
func costOf(messages, size int, compressed bool) float64 {
	perMessage := 1.0 / 100
	if compressed {
		perMessage = 1.0 / 6
	}
	return float64(messages)*perMessage + float64(messages*size)/(512<<10)
}

// Categories and subcategories of the case ids, as Autobahn names them.
var (
	categories = map[string]string{
		"1": "Framing", "2": "Pings/Pongs", "3": "Reserved Bits", "4": "Opcodes",
		"5": "Fragmentation", "6": "UTF-8 Handling", "7": "Close Handling",
		"9": "Limits/Performance", "10": "Misc",
	}
	subcategories = map[string]string{
		"1.1": "Text Messages", "1.2": "Binary Messages",
		"4.1": "Non-control Opcodes", "4.2": "Control Opcodes",
		"6.1":  "Valid UTF-8 with zero payload fragments",
		"6.2":  "Valid UTF-8 unfragmented, fragmented on code-points and within code-points",
		"6.3":  "Invalid UTF-8 differently fragmented",
		"6.4":  "Fail-fast on invalid UTF-8",
		"7.1":  "Basic close behavior (fuzzer initiated)",
		"7.3":  "Close frame structure: payload length (fuzzer initiated)",
		"7.5":  "Close frame structure: payload value (fuzzer initiated)",
		"7.7":  "Close frame structure: valid close codes (fuzzer initiated)",
		"7.9":  "Close frame structure: invalid close codes (fuzzer initiated)",
		"7.13": "Informational close information (fuzzer initiated)",
		"9.1":  "Text Message (increasing size)",
		"9.2":  "Binary Message (increasing size)",
		"9.3":  "Fragmented Text Message (fixed size, increasing fragment size)",
		"9.4":  "Fragmented Binary Message (fixed size, increasing fragment size)",
		"9.5":  "Text Message (fixed size, increasing chop size)",
		"9.6":  "Binary Text Message (fixed size, increasing chop size)",
		"9.7":  "Text Message Roundtrip Time (fixed number, increasing size)",
		"9.8":  "Binary Message Roundtrip Time (fixed number, increasing size)",
		"10.1": "Auto-Fragmentation",
	}
)

var (
	allCases []*Case
	caseByID = map[string]*Case{}
)

// addSection registers the cases of one section. Each cases_N_*.go file
// calls it from init (cases_12_deflate.go also names the subcategories of
// sections 12 and 13).
func addSection(cs ...*Case) {
	for _, c := range cs {
		if _, dup := caseByID[c.ID]; dup {
			panic("conformance: duplicate case id " + c.ID)
		}
		caseByID[c.ID] = c
		allCases = append(allCases, c)
	}
	sort.Slice(allCases, func(i, j int) bool { return idLess(allCases[i].ID, allCases[j].ID) })
}

// Cases returns every case wstest knows, in Autobahn's order.
func Cases() []*Case { return append([]*Case(nil), allCases...) }

// CaseByID returns the case with the given Autobahn id, such as "6.4.1".
func CaseByID(id string) (*Case, bool) {
	c, ok := caseByID[id]
	return c, ok
}

func idTuple(id string) []int {
	parts := strings.Split(id, ".")
	t := make([]int, len(parts))
	for i, p := range parts {
		t[i], _ = strconv.Atoi(p)
	}
	return t
}

// idLess orders ids numerically part by part (so 9.10 follows 9.9).
func idLess(a, b string) bool {
	ta, tb := idTuple(a), idTuple(b)
	for i := 0; i < len(ta) && i < len(tb); i++ {
		if ta[i] != tb[i] {
			return ta[i] < tb[i]
		}
	}
	return len(ta) < len(tb)
}

// Section returns the first part of a case id ("6" for "6.4.1").
func Section(id string) string { return strings.SplitN(id, ".", 2)[0] }

func subcategory(id string) string {
	p := strings.Split(id, ".")
	if len(p) < 2 {
		return id
	}
	return p[0] + "." + p[1]
}

// MatchCases resolves Autobahn case patterns: an id, or a pattern where
// '*' matches any run of characters and which, like Autobahn's, matches at
// the start of the id ("6.*" is every case of section 6, "9.7.*" every
// case of 9.7). Exclusions are removed; the result is in Autobahn's order.
// A plain id that names no case is an error.
func MatchCases(include, exclude []string) ([]*Case, error) {
	in, err := resolve(include)
	if err != nil {
		return nil, err
	}
	ex, err := resolve(exclude)
	if err != nil {
		return nil, err
	}
	var out []*Case
	for _, c := range allCases {
		if in[c.ID] && !ex[c.ID] {
			out = append(out, c)
		}
	}
	return out, nil
}

func resolve(patterns []string) (map[string]bool, error) {
	set := map[string]bool{}
	for _, p := range patterns {
		if !strings.Contains(p, "*") {
			if _, ok := caseByID[p]; !ok {
				return nil, fmt.Errorf("unknown case id %q", p)
			}
			set[p] = true
			continue
		}
		for _, c := range allCases {
			if globPrefix(p, c.ID) {
				set[c.ID] = true
			}
		}
	}
	return set, nil
}

// globPrefix matches pattern against a prefix of s, '*' standing for any
// run of characters (Autobahn compiles the pattern as a regular expression
// used with re.match, which anchors only at the start).
func globPrefix(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	if pattern[0] == '*' {
		for i := 0; i <= len(s); i++ {
			if globPrefix(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return s != "" && s[0] == pattern[0] && globPrefix(pattern[1:], s[1:])
}

// --- helpers shared by the case files ---

// expectEcho is the usual expectation: the events in ok, then a clean
// close started by us with 1000.
func expectEcho(s *session, ok ...Event) {
	s.Expected[OK] = ok
	s.ExpectedClose = ExpectedClose{ClosedByMe: true, CloseCode: []int{closeNormal}, RequireClean: true}
}

// expectFail is the usual failure expectation: no events, and the peer
// fails the connection (with code, if it sends one).
func expectFail(s *session, code int) {
	s.Expected[OK] = []Event{}
	s.ExpectedClose = ExpectedClose{ClosedByMe: false, CloseCode: []int{code}, RequireClean: false}
}

func text(s string) []byte { return []byte(s) }

// wrongCodeFails is Autobahn's section 7 rule: a wrong close code fails
// the case itself, not only its closing behaviour.
func wrongCodeFails(s *session) {
	if s.BehaviorClose == WrongCode {
		s.Behavior = Failed
		s.Result = s.ResultClose
	}
}
