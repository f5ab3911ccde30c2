package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/internal/autobahn"
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
		{autobahn.OK, autobahn.OK, true},
		{autobahn.Informational, autobahn.Informational, true},
		{autobahn.OK, autobahn.Informational, true},
		{autobahn.NonStrict, autobahn.OK, false}, // Autobahn passes it; we do not
		{autobahn.OK, autobahn.WrongCode, false},
		{autobahn.OK, autobahn.Unclean, false},
		{autobahn.Failed, autobahn.OK, false},
		{autobahn.Unimplemented, autobahn.OK, false},
	}
	for _, c := range cases {
		r := &autobahn.CaseResult{Behavior: c.behavior, BehaviorCl: c.close}
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
