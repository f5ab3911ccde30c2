//go:build !purego && gc

package utf8valid

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Kernel choice. Both vector kernels run the same Keiser–Lemire check; the
// AVX-512 one does 64-byte blocks, tests 256 bytes at a time for ASCII, and
// uses VPERMB (VBMI), whose 64-entry lookups ignore the two spare index bits,
// to save the three nibble masks VPSHUFB needs, and VPTERNLOGD to merge the
// checks. On the AMD EPYC Zen 5 (family 26) development machine, GB/s, best
// of three short runs on a shared machine:
//
//	             64 KiB              1 KiB              64 B
//	             avx512  avx2        avx512  avx2       avx512  avx2
//	ascii        133     106         131     76         13.4    14.1
//	latin        43      16.6        41      15.4       12.6    10.4
//	cjk          41      16.3        41      16.0       12.8    10.9
//	emoji        41      17.0        42      16.0       11.2    9.9
//	mixed        43      16.9        40      16.5       11.7    9.8
//
// Zen 5 executes 512-bit operations at full width, so AVX-512 comes first
// wherever the CPU has it; AVX2 is for CPUs without AVX-512. Zen 4 splits
// 512-bit operations in two; it was not available to measure, and since the
// AVX-512 kernel also needs fewer instructions per byte (14 per 64 bytes
// against 20 per 32) it is kept first there too.

// scanAVX512 checks the n bytes at p as the continuation of a valid prefix
// whose last four bytes are carry, with AVX-512 (F, BW, VL, VBMI). It returns -1
// if they keep it a valid prefix, else the offset of the block in which the
// first error showed; the offending byte is at that offset minus one or
// later. p must point at n readable bytes; nothing outside them is read.
//
//go:noescape
func scanAVX512(p *byte, n int, carry uint32) int

// scanAVX2 is scanAVX512 with AVX2. It has the same contract.
//
//go:noescape
func scanAVX2(p *byte, n int, carry uint32) int

// CPU features, read once. Under the race detector the kernels still run;
// raceRead (race.go) reports the bytes each assembly call reads.
var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512VBMI
	hasAVX2   = cpu.X86.HasAVX2
)

var (
	avx512Kernel = &kernel{name: "avx512", scan: scan512, valid: valid512}
	avx2Kernel   = &kernel{name: "avx2", scan: scan256, valid: valid256}
)

var kernels = func() []*kernel {
	switch {
	case hasAVX512 && hasAVX2:
		return []*kernel{avx512Kernel, avx2Kernel, genericKernel}
	case hasAVX2:
		return []*kernel{avx2Kernel, genericKernel}
	default:
		return []*kernel{genericKernel}
	}
}()

// The wrappers below call the assembly directly, not through a function
// value, which would add an ABI wrapper and an indirect call: at 64 bytes
// the call costs as much as the work.

func scan512(p []byte, carry uint32) int {
	if len(p) == 0 {
		return -1
	}
	raceRead(p)
	return checkLast(p, scanAVX512(unsafe.SliceData(p), len(p), carry))
}

func scan256(p []byte, carry uint32) int {
	if len(p) == 0 {
		return -1
	}
	raceRead(p)
	return checkLast(p, scanAVX2(unsafe.SliceData(p), len(p), carry))
}

func valid512(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	raceRead(p)
	return scanAVX512(unsafe.SliceData(p), len(p), 0) < 0 && !endsOpen(p)
}

func valid256(p []byte) bool {
	if len(p) == 0 {
		return true
	}
	raceRead(p)
	return scanAVX2(unsafe.SliceData(p), len(p), 0) < 0 && !endsOpen(p)
}

// scanFast is k.scan, calling the default kernel's assembly directly: Write
// runs it for every chunk, and for 16-byte chunks an indirect call through a
// wrapper frame costs as much as the check itself.
func scanFast(k *kernel, p []byte, carry uint32) int {
	if k == avx512Kernel && len(p) > 0 {
		raceRead(p)
		return checkLast(p, scanAVX512(unsafe.SliceData(p), len(p), carry))
	}
	return k.scan(p, carry)
}
