package conformance

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestIndependence: the judge shares no code with what it judges. Neither
// this package nor cmd/wstest may depend, directly or through anything
// else, on a package of this module but this one: not the library's root
// package, codec, utf8valid or pmdeflate, nor internal/echo. (The package's
// own tests may: they run the suite against the programs built on the
// library.)
func TestIndependence(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("needs the go command: %v", err)
	}
	const module = "github.com/wsframe/wsframe"
	var stderr bytes.Buffer
	cmd := exec.Command(goTool, "list", "-deps", ".", "../cmd/wstest")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, stderr.Bytes())
	}
	allowed := map[string]bool{module + "/conformance": true, module + "/cmd/wstest": true}
	seen := 0
	for _, p := range strings.Fields(string(out)) {
		if p == module || strings.HasPrefix(p, module+"/") {
			seen++
			if !allowed[p] {
				t.Errorf("the judge depends on %s", p)
			}
		}
	}
	if seen != len(allowed) {
		// The listing must show the two packages themselves, or it did
		// not list what this test means to check.
		t.Errorf("go list -deps listed %d of the module's packages, want %d:\n%s", seen, len(allowed), out)
	}
}
