package wsframe

import "unsafe"

// Without assembly every payload takes the portable kernel.

// smallMax: the portable kernel handles everything through maskSmall's
// caller below, so the split point only has to be above maskTail's range.
const smallMax = 32

var kernels = []Impl{genericImpl}

func maskBulk(p unsafe.Pointer, n int, k uint32) {
	maskGeneric(unsafe.Slice((*byte)(p), n), k)
}

func maskCopyBulk(dst, src unsafe.Pointer, n int, k uint32) {
	maskCopyGeneric(unsafe.Slice((*byte)(dst), n), unsafe.Slice((*byte)(src), n), k)
}
