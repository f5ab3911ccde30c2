// Package autobahn is the engine behind cmd/wstest: the Autobahn testsuite's
// WebSocket conformance cases (sections 1–7, 9 and 10, with Autobahn's ids,
// payloads, expectations and verdicts), the fuzzing protocol that plays them
// against a peer in either role, and Autobahn-shaped reports.
//
// The package deliberately frames, masks and validates bytes with its own
// small byte loops (frame.go) and never imports the wsframe library it is
// meant to judge: a bug in the library's codec, masking kernels or UTF-8
// validator must not be able to hide itself by also living in the judge.
//
// Layout: frame.go (wire format), verdict.go (events, verdicts, judging),
// session.go (one connection playing one case), cases*.go (the case
// catalogue, one file per Autobahn section), client.go (fuzzingclient role:
// tests servers), server.go (fuzzingserver role: tests clients), spec.go
// (configuration files and case patterns), result.go (what a run records),
// report.go (index.json, per-case JSON and HTML, index.html).
//
// Sections 12 and 13 (permessage-deflate) are not implemented yet. They
// will be one more cases_12_*.go file registering through addSection
// (with their subcategory names), an extension offer in dialWS and an
// accept in FuzzServer.handle (both refuse every extension today), and a
// per-message inflate step in Session.handleFrame where RSV1 is now a
// protocol error. The UNIMPLEMENTED verdict is reserved for them: Autobahn
// gives it to a deflate case whose peer declines the extension.
package autobahn
