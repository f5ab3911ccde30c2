//go:build race

package conformance

// raceEnabled is true in -race builds.
const raceEnabled = true
