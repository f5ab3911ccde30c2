// Package conformance is the Autobahn testsuite's WebSocket conformance
// cases (sections 1-7, 9, 10, 12 and 13: 517 cases, with Autobahn's ids,
// payloads, expectations and verdicts), the fuzzing protocol that plays
// them against a peer in either role, and Autobahn-shaped reports. It is
// the engine of cmd/wstest, and a stack's go test can run it directly:
//
//	func TestAutobahn(t *testing.T) {
//		conformance.RunServerTests(t, "ws://127.0.0.1:9001/", conformance.Options{Strict: true})
//	}
//
// runs every case as a subtest named by its id (go test -run
// 'TestAutobahn/^6\.4\.' -v -parallel 8), and RunClientTests does the same
// for a client. Runner and FuzzServer play the cases for programs, as
// cmd/wstest does, and Progress shows a run to the people waiting for it.
//
// The package deliberately frames, masks, validates and compresses bytes
// with its own small code (frame.go, deflate.go on the standard library's
// compress/flate) and never imports the wsframe library it is meant to
// judge: a bug in the library's codec, masking kernels, UTF-8 validator or
// permessage-deflate must not be able to hide itself by also living in the
// judge.
//
// Layout: frame.go (wire format), deflate.go (permessage-deflate: header
// grammar, Autobahn's offers and accepts, RFC 7692 checks of a server's
// answer, per-message compression), verdict.go (events, verdicts,
// judging), session.go (one connection playing one case), cases*.go (the
// case catalogue, one file per Autobahn section; cases_12_deflate.go holds
// sections 12 and 13), payloads.go (section 12's payloads), client.go
// (fuzzingclient role: tests servers), server.go (fuzzingserver role:
// tests clients), gotest.go (the go test entry points), progress.go
// (progress display), spec.go (configuration files and case patterns),
// result.go (what a run records), report.go (index.json, per-case JSON and
// HTML, index.html).
//
// Sections 12 and 13 (permessage-deflate, RFC 7692): as a client the
// fuzzer offers exactly what Autobahn's client offers for the case and
// fails the case when the server's answer breaks RFC 7692 (stricter than
// Autobahn, which takes any parseable answer); as a server it parses the
// client's offers as Autobahn does (a malformed one fails the handshake)
// and answers with the case's accept function (accept1..accept7). A peer
// that declines gets UNIMPLEMENTED, as in Autobahn. The negotiated
// parameters appear in each case's report. Three deliberate differences:
// section 12's five payloads are generated stand-ins of the same kinds and
// sizes for Autobahn's data files, which wstest does not carry
// (payloads.go); the fuzzer compresses at level 1 rather than zlib's 6,
// and with Huffman coding only when the peer allowed fewer than 15 window
// bits (compress/flate cannot shrink its window); and it cannot check
// that a peer kept to the window it negotiated for itself (compress/flate
// inflates with a 32 KiB window whatever was agreed) — it does check
// no-context-takeover, since a message that refers to an earlier one then
// fails to inflate.
package conformance
