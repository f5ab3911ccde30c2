//go:build race

package wsframe

import (
	"runtime"
	"unsafe"
)

// The race detector cannot see what assembly reads and writes; these tell it.

func raceRead(p unsafe.Pointer, n int)  { runtime.RaceReadRange(p, n) }
func raceWrite(p unsafe.Pointer, n int) { runtime.RaceWriteRange(p, n) }
