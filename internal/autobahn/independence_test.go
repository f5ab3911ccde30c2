package autobahn

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestIndependence: the judge shares no code with what it judges. Neither
// this package nor cmd/wstest may import the library's root package,
// codec or utf8valid (or anything else of the module but this package).
func TestIndependence(t *testing.T) {
	const module = "github.com/wsframe/wsframe"
	for _, dir := range []string{".", filepath.Join("..", "..", "cmd", "wstest")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, f := range files {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if (p == module || strings.HasPrefix(p, module+"/")) && p != module+"/internal/autobahn" {
					t.Errorf("%s imports %s", f, p)
				}
			}
		}
	}
}
