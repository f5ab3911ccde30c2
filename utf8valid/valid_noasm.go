//go:build !((amd64 || arm64) && !purego && gc)

package utf8valid

// Without assembly every input takes the portable kernel.
var kernels = []*kernel{genericKernel}

// scanFast is k.scan; Write calls it for every chunk.
func scanFast(k *kernel, p []byte, carry uint32) int { return k.scan(p, carry) }
