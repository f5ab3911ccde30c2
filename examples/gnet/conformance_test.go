package main

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/wsframe/wsframe/conformance"
)

// TestAutobahn runs every case of the conformance suite (sections 1-7,
// 9, 10, 12 and 13: 517 cases, permessage-deflate in 12 and 13) against
// the server, strictly: NON-STRICT fails too, as it does for wsecho.
// With -short it leaves out sections 12 and 13 (216 cases, most of the
// time), as the -race run does.
//
//	go test -run 'TestAutobahn/^6\.4\.' .    # one section
func TestAutobahn(t *testing.T) {
	_, addr := startServer(t, Config{Compress: true, CloseTimeout: 2 * time.Second})
	opts := conformance.Options{Strict: true, Agent: "gnet"}
	want := 517
	if testing.Short() {
		opts.Exclude = []string{"12.*", "13.*"}
		want -= 216
	}
	res := conformance.RunServerTests(t, "ws://"+addr+"/", opts)
	t.Cleanup(func() {
		// Zero results must not pass: unless -run picked cases, all of
		// them must have run (and each passed in its subtest).
		if strings.Contains(flag.Lookup("test.run").Value.String(), "/") {
			return
		}
		if passed, failed := res.Counts(); passed+failed != want {
			t.Errorf("%d cases ran (%d passed), want %d", passed+failed, passed, want)
		}
	})
}
