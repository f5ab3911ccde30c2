//go:build race

package utf8valid

import (
	"runtime"
	"unsafe"
)

// raceRead tells the race detector that an assembly kernel reads p, which it
// cannot see by itself.
func raceRead(p []byte) {
	if len(p) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(unsafe.SliceData(p)), len(p))
	}
}
