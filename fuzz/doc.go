// Package fuzz holds the project's `go test -fuzz` targets: every assembly
// kernel against the portable one, and the codec against its round trip and
// a reference. Each target also runs its seed corpus (testdata/fuzz) as an
// ordinary test, so `go test ./...` checks them; to fuzz one:
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzMask$' -fuzztime 60s
package fuzz
