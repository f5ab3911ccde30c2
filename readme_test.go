package wsframe_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestReadmeExamples checks that the loops the README shows are the ones
// runnable examples test: every block between "// readme:begin" and
// "// readme:end" in the files below must appear in README.md verbatim
// (indentation removed), so the documentation cannot drift into code that
// no test runs.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"pmdeflate/example_test.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		blocks := 0
		for rest := src; ; blocks++ {
			_, after, ok := bytes.Cut(rest, []byte("// readme:begin\n"))
			if !ok {
				break
			}
			block, tail, ok := bytes.Cut(after, []byte("// readme:end"))
			if !ok {
				t.Fatalf("%s: readme:begin without readme:end", file)
			}
			rest = tail
			want := dedent(string(block))
			if !bytes.Contains(readme, []byte(want)) {
				t.Errorf("%s: README.md lacks this block, or has another version of it:\n%s", file, want)
			}
		}
		if blocks == 0 {
			t.Errorf("%s: no readme:begin block", file)
		}
	}
}

// dedent removes the indentation the first line has from every line.
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	indent := lines[0][:len(lines[0])-len(strings.TrimLeft(lines[0], "\t"))]
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, indent)
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\t\n") + "\n"
}
