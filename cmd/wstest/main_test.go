package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/conformance"
)

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-m", "bogus"}, &out, &errb); code != 2 {
		t.Errorf("bogus mode: exit %d", code)
	}
	if code := run([]string{"-m", "fuzzingclient", "-s", filepath.Join(t.TempDir(), "missing.json")}, &out, &errb); code != 2 {
		t.Errorf("missing spec: exit %d", code)
	}
}

func TestListCases(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"-m", "cases"}, &out, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	if last != "cases per section: 1=16, 2=11, 3=7, 4=10, 5=20, 6=145, 7=37, 9=54, 10=1, 12=90, 13=126; 517 in all" {
		t.Errorf("last line %q", last)
	}
}

// TestSummaryAndExitStatus: against a server that is not there every case
// fails; the summary is the last line and the exit status is 1.
func TestSummaryAndExitStatus(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no TCP sockets")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.json")
	os.WriteFile(spec, []byte(`{"outdir": "`+filepath.ToSlash(filepath.Join(dir, "out"))+`", "servers": [{"agent": "gone", "url": "ws://`+addr+`"}], "cases": ["1.1.*"]}`), 0o644)
	var out, errb bytes.Buffer
	code := run([]string{"-m", "fuzzingclient", "-s", spec, "-open-timeout", "500ms"}, &out, &errb)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if code != 1 || lines[len(lines)-1] != "0 passed, 8 failed" {
		t.Errorf("exit %d, output:\n%s%s", code, out.String(), errb.String())
	}
	// Progress goes to stderr (not a terminal here: a line per section
	// and a last count), never into the summary.
	for _, want := range []string{"gone: section 1 done, 8 cases, 8 failed; 8/8 cases, 8 failed", "\n8/8 cases, 8 failed, in "} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if strings.Contains(out.String(), "cases, 8 failed") {
		t.Errorf("progress on stdout:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "index.json")); err != nil {
		t.Error(err)
	}
}

// TestSampleSpecs: the sample spec files in testdata load.
func TestSampleSpecs(t *testing.T) {
	if _, err := conformance.LoadClientSpec("testdata/fuzzingclient.json"); err != nil {
		t.Error(err)
	}
	if _, err := conformance.LoadServerSpec("testdata/fuzzingserver.json"); err != nil {
		t.Error(err)
	}
}
