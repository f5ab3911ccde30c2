// Package bench compares wsframe with its peers. It is a module of its own
// so that the peers never enter the library's go.mod; run its benchmarks with
// `go test -bench . ./...` from this folder.
package bench
