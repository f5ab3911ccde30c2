//go:build !js && !wasip1

package conformance_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsframe/wsframe/conformance"
	"github.com/wsframe/wsframe/internal/echo"
)

// A WebSocket server's package tests itself with one test function. Run
// it with go test -parallel 8 (cases are independent connections), pick
// cases with -run 'TestAutobahn/^6\.4\.' or -run 'TestAutobahn/6.4.1$',
// and list them with -v.
func ExampleRunServerTests() {
	testAutobahn := func(t *testing.T) { // func TestAutobahn(t *testing.T) in a _test.go file
		srv := httptest.NewServer(&echo.Server{}) // the server under test: any handler that echoes
		t.Cleanup(srv.Close)
		conformance.RunServerTests(t, "ws"+strings.TrimPrefix(srv.URL, "http"), conformance.Options{
			Strict:        true,                   // NON-STRICT fails too
			KnownFailures: []string{"13.3.*"},     // until they are fixed; passing one fails
			Outdir:        "testdata/autobahn",    // Autobahn's HTML and JSON reports
			Exclude:       []string{"9.*"},        // the performance cases take long
			Timeouts:      conformance.Timeouts{}, // Autobahn's
		})
	}
	_ = testAutobahn
}

// A WebSocket client's package tests itself by connecting its client to
// the URL of each case and echoing until the connection closes.
func ExampleRunClientTests() {
	testAutobahnClient := func(t *testing.T) { // func TestAutobahnClient(t *testing.T)
		conformance.RunClientTests(t, func(ctx context.Context, url string) error {
			c, err := echo.Dial(ctx, url, echo.Config{Compress: true}) // the client under test
			if err != nil {
				return err
			}
			return c.Echo() // echo every message until the connection ends
		}, conformance.Options{Cases: []string{"1.*", "2.*", "12.1.*"}})
	}
	_ = testAutobahnClient
}
