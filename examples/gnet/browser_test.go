//go:build unix

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// browserMax is the servers' -max-message in the browser test: room for
// the page's largest echo, 8 MiB, which the browser compresses, and random
// bytes grow a little in deflate's stored blocks (the limit counts the
// bytes on the wire too). The page sends one byte more than this to be
// refused.
const browserMax = 8<<20 + 64<<10

// browserChecks is how many results the page reports when every step
// runs (see testdata/browser.html): 18 for the echoes, 1 for the burst,
// 1 for the parallel connections, 7 for the close codes.
const browserChecks = 27

// chromium returns the path of Debian's Chromium. Without it the browser
// test skips, unless WSFRAME_BROWSER=1 makes that a failure (as in CI).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("WSFRAME_BROWSER") == "1" {
		t.Fatal("chromium needed (apt-get install chromium)")
	}
	t.Skip("chromium not installed (apt-get install chromium; WSFRAME_BROWSER=1 makes this a failure)")
	return ""
}

// TestBrowser drives headless Chromium with testdata/browser.html against
// the gnet server and wsecho: text and binary echoes from 0 B to 8 MiB
// with the browser's permessage-deflate, a burst of 2,000 messages in
// order, 50 connections at once, close codes and the 1009 of a message
// over the limit. The page posts its results back to the test's HTTP
// server, which also serves the page.
func TestBrowser(t *testing.T) {
	browser := chromium(t)
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			p := startProcess(t, srv.name, "-max-message", strconv.Itoa(browserMax))
			results := runPage(t, browser, p.addr)
			bad := 0
			for _, r := range results {
				if !r.OK {
					bad++
					t.Errorf("%s: %s", r.Name, r.Detail)
				}
			}
			if len(results) != browserChecks {
				t.Errorf("the page reported %d results, want %d", len(results), browserChecks)
			}
			t.Logf("%d of %d browser checks passed", len(results)-bad, len(results))
		})
	}
}

// pageResult is one check the page reports.
type pageResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// runPage serves the page, opens it in Chromium against the echo server
// at wsAddr and returns what the page reported.
func runPage(t *testing.T, browser, wsAddr string) []pageResult {
	page, err := os.ReadFile("testdata/browser.html")
	if err != nil {
		t.Fatal(err)
	}
	reports := make(chan []byte, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("/result", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		select {
		case reports <- b:
		default: // a second report (a late error): the first one counts
		}
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()

	profile := t.TempDir()
	url := hs.URL + "/?ws=ws://" + wsAddr + "&max=" + strconv.Itoa(browserMax)
	cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--user-data-dir="+profile, url)
	// Chromium starts helper processes: its own process group lets the
	// test end all of them, and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}()

	var report []byte
	select {
	case report = <-reports:
	case err := <-exited:
		exited <- err
		t.Fatalf("chromium exited before the page reported: %v\n%s", err, out.String())
	case <-time.After(5 * time.Minute):
		t.Fatalf("the page did not report within 5 minutes; chromium said:\n%s", out.String())
	}
	var got struct {
		Results []pageResult `json:"results"`
		Error   string       `json:"error"`
	}
	if err := json.Unmarshal(report, &got); err != nil {
		t.Fatalf("page report %q: %v", report, err)
	}
	if got.Error != "" {
		t.Errorf("page error: %s", got.Error)
	}
	return got.Results
}
