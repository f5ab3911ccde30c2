//go:build !race

package wsframe

import "unsafe"

func raceRead(p unsafe.Pointer, n int)  {}
func raceWrite(p unsafe.Pointer, n int) {}
