package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/conformance"
)

// A quick run of both roles over a few sections: exit 0, a summary per
// role, and the HTML reports written.
func TestSelfTest(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := run([]string{"-outdir", dir, "-cases", "1.*,2.*,5.*,6.4.*,7.*"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"wsecho: ", "wsclient: ", " strictly OK, 0 not", " passed, 0 failed\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// Progress on stderr counts both roles from the start: 88 cases each.
	for _, want := range []string{"wsecho: section 1 done, 16 cases, 0 failed; ", "/176 cases, 0 failed", "\n176/176 cases, 0 failed, in "} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
	for _, role := range []string{"servers", "clients"} {
		if _, err := os.Stat(filepath.Join(dir, role, "index.html")); err != nil {
			t.Error(err)
		}
	}
}

func TestStrictOK(t *testing.T) {
	cases := []struct {
		behavior, close string
		want            bool
	}{
		{conformance.OK, conformance.OK, true},
		{conformance.Informational, conformance.Informational, true},
		{conformance.OK, conformance.Informational, true},
		{conformance.NonStrict, conformance.OK, false}, // Autobahn passes it; we do not
		{conformance.OK, conformance.WrongCode, false},
		{conformance.OK, conformance.Unclean, false},
		{conformance.Failed, conformance.OK, false},
		{conformance.Unimplemented, conformance.OK, false},
	}
	for _, c := range cases {
		r := &conformance.CaseResult{Behavior: c.behavior, BehaviorCl: c.close}
		if got := strictOK(r); got != c.want {
			t.Errorf("%s/%s: strictOK %v, want %v", c.behavior, c.close, got, c.want)
		}
	}
}

func TestBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"-roles", "proxy"}, &out, &errOut); code != 2 {
		t.Errorf("unknown role: exit %d, want 2", code)
	}
	if code := run([]string{"-cases", "99.9"}, &out, &errOut); code != 2 {
		t.Errorf("unknown case: exit %d, want 2", code)
	}
}
