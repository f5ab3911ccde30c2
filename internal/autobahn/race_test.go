//go:build race

package autobahn

// raceEnabled is true in -race builds.
const raceEnabled = true
