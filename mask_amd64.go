//go:build !purego && gc

package wsframe

import (
	"unsafe"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"
)

// The assembly kernels in mask_amd64.s. Each XORs n > 0 bytes with the key
// word key (see rotKey) repeated and touches no byte outside [p, p+n) (or
// [src, src+n) and [dst, dst+n)). The callers guarantee n >= smallMax (in
// place) or n >= smallCopyMax (copying) and, for the copying forms, that
// dst and src do not overlap at all (equal slices take the in-place
// kernel).

//go:noescape
func maskAVX512(p *byte, n int, key uint32)

//go:noescape
func maskCopyAVX512(dst, src *byte, n int, key uint32)

//go:noescape
func maskAVX2(p *byte, n int, key uint32)

//go:noescape
func maskCopyAVX2(dst, src *byte, n int, key uint32)

//go:noescape
func maskSSE2(p *byte, n int, key uint32)

//go:noescape
func maskCopySSE2(dst, src *byte, n int, key uint32)

const (
	implSSE2 = iota
	implAVX2
	implAVX512
)

var (
	hasAVX2   = cpu.X86.HasAVX2
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasBMI2
)

// impl is the kernel Mask and MaskCopy use, chosen once.
var impl = chooseImpl()

// chooseImpl picks the kernel by CPU family, from measurements:
//
//   - Intel Skylake-SP/Cascade Lake/Cooper Lake (family 6, model 0x55)
//     lower the core clock while 512-bit instructions run, slowing the
//     code around the masking as well: AVX2 there.
//   - AMD Zen 4 (family 0x19) executes 512-bit operations as two 256-bit
//     halves: a C AVX2 masking loop measured 117 GB/s against 108 GB/s for
//     AVX-512, so AVX2 there.
//   - Every other CPU with AVX-512 (Intel Ice Lake and later, AMD Zen 5 and
//     later): AVX-512, for every length that reaches a kernel. On AMD EPYC
//     Zen 5 (family 0x1A), in place, it took 7-27 % less time than AVX2
//     from 112 to 250 bytes where the difference was significant (never
//     significantly more), and in medians of 10 runs:
//     1500 B 101 GB/s against AVX2's 88, 4 KiB 159 against 117, 16 KiB
//     206 against 145, 64 KiB 121 against 128 (the one size where AVX2
//     ties or wins), 1 MiB 103 against 98.
//   - Otherwise AVX2 where present, else SSE2, which every amd64 CPU has.
func chooseImpl() int {
	switch {
	case hasAVX512 && !avx512Slow():
		return implAVX512
	case hasAVX2:
		return implAVX2
	default:
		return implSSE2
	}
}

// avx512Slow reports CPU families where 512-bit vectors lose (see chooseImpl).
func avx512Slow() bool {
	switch cpuid.CPU.VendorID {
	case cpuid.Intel:
		return cpuid.CPU.Family == 6 && cpuid.CPU.Model == 0x55
	case cpuid.AMD:
		return cpuid.CPU.Family == 0x19
	}
	return false
}

// smallMax is the length from which Mask calls a kernel. Below it Mask's
// own 8-byte words win: entering the assembly costs about 2.5 ns (the
// call, the key broadcast, the return), so on AMD Zen 5, masking one
// buffer again and again, a 32-byte payload took 2.6 ns in Go against
// 5.0 in the AVX2 kernel, 64 bytes 3.2 against 5.1 and 96 bytes 3.7
// against 5.6; from about 112 bytes the two are even (at 125 bytes Go
// took 5.1 ns against 4.9).
const smallMax = 112

// maskBulk masks n >= smallMax bytes at p in place with the kernel in use.
// It is written in assembly (mask_amd64.s) so that it can jump to the kernel:
// a Go function here would cost Mask a second call, about 1.5 ns, as much
// as masking 64 bytes. The race detector annotation is the caller's.
//
//go:noescape
func maskBulk(p unsafe.Pointer, n int, k uint32)

// maskBulk's assembly compares impl with these values, written there as
// numbers; these fail to compile if they change.
const (
	_ = uint(implAVX512-2) + uint(2-implAVX512)
	_ = uint(implAVX2-1) + uint(1-implAVX2)
)

func maskCopyBulk(dst, src unsafe.Pointer, n int, k uint32) {
	raceRead(src, n)
	raceWrite(dst, n)
	switch impl {
	case implAVX512:
		maskCopyAVX512((*byte)(dst), (*byte)(src), n, k)
	case implAVX2:
		maskCopyAVX2((*byte)(dst), (*byte)(src), n, k)
	default:
		maskCopySSE2((*byte)(dst), (*byte)(src), n, k)
	}
}

// kernels lists the kernels this CPU can run, the one in use first.
var kernels = func() []Impl {
	all := map[int]Impl{
		implAVX512: newImpl("avx512", maskAVX512, maskCopyAVX512),
		implAVX2:   newImpl("avx2", maskAVX2, maskCopyAVX2),
		implSSE2:   newImpl("sse2", maskSSE2, maskCopySSE2),
	}
	ks := []Impl{all[impl]}
	for _, id := range []int{implAVX512, implAVX2, implSSE2} {
		if id != impl && (id != implAVX512 || hasAVX512) && (id != implAVX2 || hasAVX2) {
			ks = append(ks, all[id])
		}
	}
	return append(ks, genericImpl)
}()
