package conformance

import (
	"sort"
	"sync"
	"testing"
)

// TestConformingPeer: a conforming echo server passes every case of
// sections 1-7 and 10, and the round-trip cases of section 9.
func TestConformingPeer(t *testing.T) {
	url := startPeer(t, knobs{})
	res := runConforming(t, url, 16, "1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.7.1", "9.8.2", "10.*")
	rs := res.ForAgent("peer")
	if len(rs) != 16+11+7+10+20+145+37+2+1 {
		t.Fatalf("%d results", len(rs))
	}
	for _, r := range rs {
		if !r.Passed() {
			t.Errorf("case %s: %s / %s: %s; %s; received %s", r.ID, r.Behavior, r.BehaviorCl, r.Result, r.ResultClose, eventsString(r.Received))
		}
	}
}

// brokenPeers are the deliberately broken servers, each with cases that
// must catch it and cases it must still pass (so a verdict is about the
// defect, not about the peer in general).
var brokenPeers = []struct {
	name     string
	k        knobs
	mustFail []string
	mustPass []string
}{
	{"no-utf8-check", knobs{noUTF8Check: true}, []string{"6.3.1", "6.3.2", "6.4.1", "6.4.4", "6.8.1", "6.12.8", "6.21.8"}, []string{"6.2.1", "6.5.5", "1.1.1"}},
	{"utf8-1002", knobs{utf8Code: closeProtocolError}, []string{"6.3.1", "6.4.2", "6.14.10"}, []string{"6.2.3", "2.5"}},
	{"no-pong", knobs{noPong: true}, []string{"2.1", "2.2", "2.3", "2.4", "2.6", "2.9", "2.10", "2.11", "5.6", "5.19", "5.20"}, []string{"2.5", "2.7", "1.2.3"}},
	{"pong-answered", knobs{answerPongs: true}, []string{"2.7", "2.8", "2.9"}, []string{"2.1", "2.10"}},
	{"masked-frames", knobs{maskFrames: true}, []string{"1.1.1", "1.2.8", "2.1", "5.3", "6.2.1", "7.1.1", "10.1.1"}, nil},
	{"tcp-left-open", knobs{keepOpen: true}, []string{"1.1.1", "2.5", "3.1", "4.1.1", "5.9", "6.3.1", "7.3.1", "7.9.1"}, nil},
	{"no-close-reply", knobs{noCloseReply: true}, []string{"1.1.1", "7.1.1", "7.1.2", "7.3.1", "7.3.4", "7.7.1"}, []string{"2.5", "3.1"}},
	{"rsv-ignored", knobs{noRSVCheck: true}, []string{"3.1", "3.2", "3.3", "3.4", "3.5", "3.6"}, []string{"1.1.2"}},
	{"opcodes-ignored", knobs{noOpcodeCheck: true}, []string{"4.1.1", "4.1.3", "4.1.5", "4.2.1", "4.2.5"}, []string{"1.1.2"}},
	{"lax-control", knobs{noControlCheck: true, noFragCheck: true}, []string{"2.5", "5.1", "5.2"}, []string{"2.4"}},
	{"lax-fragments", knobs{noFragCheck: true}, []string{"5.9", "5.12", "5.15", "5.16", "5.17", "5.18"}, []string{"5.3", "5.6"}},
	{"close-unchecked", knobs{noCloseCheck: true}, []string{"7.3.2", "7.3.6", "7.5.1", "7.9.1", "7.9.9"}, []string{"7.3.1", "7.7.13"}},
	{"types-swapped", knobs{swapTypes: true}, []string{"1.1.1", "1.2.1", "6.1.1", "9.1.1", "9.7.1", "9.8.1", "10.1.1"}, []string{"2.1", "7.3.3"}},
	{"fragments-echoed-separately", knobs{echoFragments: true}, []string{"5.3", "5.19", "6.1.2", "6.2.3", "10.1.1", "9.3.1"}, []string{"1.1.8", "6.2.1"}},
	// permessage-deflate (sections 12 and 13).
	{"deflate-declined", knobs{}, []string{"12.1.1", "12.5.18", "13.1.1", "13.7.18"}, []string{"1.1.1"}},
	{"rsv1-not-negotiated", knobs{rsv1Always: true}, []string{"1.1.1", "1.2.1", "6.2.1", "12.1.1"}, []string{"2.1"}},
	{"rsv1-on-continuation", knobs{deflate: true, rsv1Continuation: true}, []string{"12.1.1", "12.2.4", "13.3.1"}, []string{"1.1.1"}},
	{"deflate-corrupt", knobs{deflate: true, corruptDeflate: true}, []string{"12.1.1", "12.5.2", "13.5.1"}, []string{"1.1.1", "2.1"}},
	{"server-no-context-ignored", knobs{deflate: true, ignoreNoContext: true}, []string{"13.2.3", "13.6.3"}, []string{"12.1.3", "13.1.3", "13.4.3"}},
}

// TestBrokenPeersCaught: each broken server fails the cases meant for its
// defect and passes the unrelated ones listed with it. It runs them
// through the go test entry point, with the cases that must catch the
// peer as its known failures: a subtest fails when a case that must pass
// fails, or when one that must fail passes; the results must agree.
func TestBrokenPeersCaught(t *testing.T) {
	for _, bp := range brokenPeers {
		t.Run(bp.name, func(t *testing.T) {
			t.Parallel()
			url := startPeer(t, bp.k)
			ids := append(append([]string{}, bp.mustFail...), bp.mustPass...)
			var res *Results
			t.Run("case", func(t *testing.T) {
				res = RunServerTests(t, url, Options{Cases: ids, KnownFailures: bp.mustFail, Timeouts: testTimeouts})
			})
			if n := len(res.ForAgent("server")); n != len(ids) {
				t.Errorf("%d results, want %d", n, len(ids))
			}
			for _, id := range bp.mustFail {
				switch r, _ := res.Get("server", id); {
				case r == nil:
					t.Errorf("case %s: no result", id)
				case r.Passed():
					t.Errorf("case %s did not catch %s", id, bp.name)
				}
			}
			for _, id := range bp.mustPass {
				switch r, _ := res.Get("server", id); {
				case r == nil:
					t.Errorf("case %s: no result", id)
				case !r.Passed():
					t.Errorf("case %s failed against %s, which it does not test: %s / %s", id, bp.name, r.Behavior, r.BehaviorCl)
				}
			}
		})
	}
}

// TestEveryCaseCatchesABrokenPeer runs every case against every broken
// server: each case id must fail against at least one of them, unless it
// is informational (7.1.6, 7.13.1, 7.13.2), so no case is a test that
// cannot fail.
func TestEveryCaseCatchesABrokenPeer(t *testing.T) {
	if testing.Short() || raceEnabled {
		// It runs the suite 19 times over the same code paths that
		// TestBrokenPeersCaught covers; under -race that is minutes.
		t.Skip("runs the whole suite against 19 servers; skipped with -short and -race")
	}
	needNet(t)
	var mu sync.Mutex
	caught := map[string][]string{}
	informational := map[string]bool{}
	var wg sync.WaitGroup
	for _, bp := range brokenPeers {
		bp := bp
		patterns := []string{"1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"}
		switch bp.name {
		case "types-swapped", "fragments-echoed-separately":
			patterns = append(patterns, "9.*")
		case "deflate-declined":
			// Every deflate case must give UNIMPLEMENTED when the peer
			// declines; each ends at once, so all 216 are cheap.
			patterns = []string{"12.*", "13.*"}
		}
		url := startPeer(t, bp.k) // here: t.Fatal must not run on another goroutine
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := runAgainst(t, url, 48, patterns...)
			mu.Lock()
			defer mu.Unlock()
			for _, r := range res.ForAgent("peer") {
				if r.Behavior == Informational {
					informational[r.ID] = true
				} else if !r.Passed() {
					caught[r.ID] = append(caught[r.ID], bp.name)
				}
			}
		}()
	}
	wg.Wait()
	var missed []string
	for _, c := range Cases() {
		if len(caught[c.ID]) == 0 && !informational[c.ID] {
			missed = append(missed, c.ID)
		}
	}
	sort.Slice(missed, func(i, j int) bool { return idLess(missed[i], missed[j]) })
	if len(missed) > 0 {
		t.Errorf("cases no broken peer fails: %v", missed)
	}
	if len(informational) != 3 {
		t.Errorf("informational cases: %v", informational)
	}
}

// TestConformingDeflatePeer: a server with a conforming permessage-deflate
// passes the first size of every section 12 payload and section 13
// parameter set, and fragmented and context-takeover sizes; one that
// declines the extension gets UNIMPLEMENTED, not FAILED.
func TestConformingDeflatePeer(t *testing.T) {
	patterns := []string{"12.1.1", "12.2.1", "12.3.1", "12.4.1", "12.5.1", "12.1.5", "12.4.11", "13.1.1", "13.2.1", "13.3.1", "13.4.1", "13.5.1", "13.6.1", "13.7.1", "13.3.11", "13.1.4"}
	if testing.Short() {
		patterns = []string{"12.1.1", "12.2.1", "13.3.1", "13.6.1", "13.7.1"}
	}
	res := runConforming(t, startPeer(t, knobs{deflate: true}), 8, patterns...)
	for _, id := range patterns {
		r, _ := res.Get("peer", id)
		switch {
		case r == nil:
			t.Errorf("case %s: no result", id)
		case !r.Passed():
			t.Errorf("case %s: %s / %s: %s; %s", id, r.Behavior, r.BehaviorCl, r.Result, r.ResultClose)
		case r.Extension == "":
			t.Errorf("case %s: no extension recorded", id)
		}
	}
	declined := runConforming(t, startPeer(t, knobs{}), 4, "12.3.1", "13.4.2")
	for _, r := range declined.ForAgent("peer") {
		if r.Behavior != Unimplemented || r.BehaviorCl != OK {
			t.Errorf("case %s against a peer without deflate: %s / %s", r.ID, r.Behavior, r.BehaviorCl)
		}
	}
}
