package conformance

import (
	"fmt"
	"testing"
	"unicode/utf8"
)

// TestCaseCounts checks the catalogue against Autobahn's: the number of
// cases per section and per UTF-8 subcategory, with unique ids in order.
func TestCaseCounts(t *testing.T) {
	want := map[string]int{"1": 16, "2": 11, "3": 7, "4": 10, "5": 20, "6": 145, "7": 37, "9": 54, "10": 1, "12": 90, "13": 126}
	got := map[string]int{}
	seen := map[string]bool{}
	cs := Cases()
	for i, c := range cs {
		got[Section(c.ID)]++
		if seen[c.ID] {
			t.Errorf("duplicate id %s", c.ID)
		}
		seen[c.ID] = true
		if i > 0 && !idLess(cs[i-1].ID, c.ID) {
			t.Errorf("%s listed after %s", c.ID, cs[i-1].ID)
		}
		if c.Description == "" || c.Expectation == "" || c.open == nil {
			t.Errorf("case %s lacks description, expectation or Open", c.ID)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cases per section: got %v, want %v", got, want)
	}
	// Subcategories 6.5-6.23 hold Markus Kuhn's sequences.
	sub := map[string]int{}
	for _, c := range cs {
		sub[subcategory(c.ID)]++
	}
	want6 := []int{5, 11, 4, 2, 4, 3, 5, 8, 5, 10, 1, 3, 5, 5, 5, 7, 8, 34, 7}
	for i, n := range want6 {
		id := fmt.Sprintf("6.%d", i+5)
		if sub[id] != n {
			t.Errorf("subcategory %s: %d cases, want %d", id, sub[id], n)
		}
		if subcategories[id] == "" {
			t.Errorf("subcategory %s has no name", id)
		}
	}
}

// TestUTF8Table cross-checks the hand-written validity of every UTF-8
// sequence with the standard library's decoder.
func TestUTF8Table(t *testing.T) {
	for gi, g := range utf8Groups() {
		for j, seq := range g.seqs {
			if utf8.Valid(seq) != g.valid[j] {
				t.Errorf("case 6.%d.%d: table says valid=%v for %x", gi+5, j+1, g.valid[j], seq)
			}
		}
	}
}

func TestMatchCases(t *testing.T) {
	for _, tc := range []struct {
		in, ex []string
		n      int
		first  string
	}{
		{[]string{"*"}, nil, 517, "1.1.1"},
		{[]string{"*"}, []string{"12.*", "13.*"}, 301, "1.1.1"},
		{[]string{"1.*"}, nil, 16, "1.1.1"}, // not 10.* or 12.*, 13.*
		{[]string{"13.7.*"}, nil, 18, "13.7.1"},
		{[]string{"6.4.*"}, nil, 4, "6.4.1"},
		{[]string{"9.*"}, []string{"9.1.*", "9.2.*"}, 42, "9.3.1"},
		{[]string{"1.1.1", "1.1.1", "2.*"}, []string{"2.1*"}, 9, "1.1.1"}, // 2.1, 2.10 and 2.11 go
		{[]string{"*"}, []string{"*"}, 0, ""},
	} {
		cs, err := MatchCases(tc.in, tc.ex)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != tc.n || (tc.n > 0 && cs[0].ID != tc.first) {
			t.Errorf("%v minus %v: %d cases, want %d starting %s", tc.in, tc.ex, len(cs), tc.n, tc.first)
		}
	}
	if _, err := MatchCases([]string{"8.1.1"}, nil); err == nil {
		t.Error("unknown case id accepted")
	}
}

func TestAgentExcluder(t *testing.T) {
	ex, err := newAgentExcluder(map[string][]string{"gorilla*": {"9.*", "6.4.1"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		agent, id string
		want      bool
	}{{"gorilla-1", "9.7.1", true}, {"gorilla", "6.4.1", true}, {"gorilla", "6.4.10", false}, {"ws", "9.7.1", false}} {
		if ex.excluded(tc.agent, tc.id) != tc.want {
			t.Errorf("%s %s: excluded=%v", tc.agent, tc.id, !tc.want)
		}
	}
}

func TestCleanForFilename(t *testing.T) {
	if got := ReportBase("Node ws/8.23", "6.4.1"); got != "node_ws_8_23_case_6_4_1" {
		t.Errorf("got %q", got)
	}
}
