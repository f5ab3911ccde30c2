//go:build purego || !gc || !(amd64 || arm64)

package wsframe

import "unsafe"

// smallMax is the length from which Mask calls maskGeneric's loop rather
// than its own short path.
const smallMax = 128

// Without assembly every payload takes the portable kernel.

var kernels = []Impl{genericImpl}

func maskBulk(p unsafe.Pointer, n int, k uint32) {
	maskGeneric(unsafe.Slice((*byte)(p), n), k)
}

func maskCopyBulk(dst, src unsafe.Pointer, n int, k uint32) {
	maskCopyGeneric(unsafe.Slice((*byte)(dst), n), unsafe.Slice((*byte)(src), n), k)
}
