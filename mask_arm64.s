//go:build !purego && gc

#include "textflag.h"

// NEON kernels: 64 bytes per iteration, then 16, then the last 0..15 bytes
// by testing the bits of the length, so nothing outside the slice is read or
// written. The key word arrives rotated to the payload's key offset.

// func maskNEON(p *byte, n int, key uint32)
TEXT ·maskNEON(SB), NOSPLIT, $0-20
	MOVD  p+0(FP), R0
	MOVD  n+8(FP), R1
	MOVWU key+16(FP), R2
	VDUP  R2, V0.S4

loop64:
	CMP  $64, R1
	BLT  loop16
	VLD1 (R0), [V1.B16, V2.B16, V3.B16, V4.B16]
	VEOR V0.B16, V1.B16, V1.B16
	VEOR V0.B16, V2.B16, V2.B16
	VEOR V0.B16, V3.B16, V3.B16
	VEOR V0.B16, V4.B16, V4.B16
	VST1.P [V1.B16, V2.B16, V3.B16, V4.B16], 64(R0)
	SUB  $64, R1
	B    loop64

loop16:
	CMP  $16, R1
	BLT  tail
	VLD1 (R0), [V1.B16]
	VEOR V0.B16, V1.B16, V1.B16
	VST1.P [V1.B16], 16(R0)
	SUB  $16, R1
	B    loop16

tail:
	ORR    R2<<32, R2, R3 // the key word twice
	TBZ    $3, R1, tail4
	MOVD   (R0), R4
	EOR    R3, R4, R4
	MOVD.P R4, 8(R0)

tail4:
	TBZ    $2, R1, tail2
	MOVWU  (R0), R4
	EORW   R2, R4, R4
	MOVW.P R4, 4(R0)

tail2:
	TBZ    $1, R1, tail1
	MOVHU  (R0), R4
	EORW   R2, R4, R4
	MOVH.P R4, 2(R0)
	RORW   $16, R2, R2

tail1:
	TBZ   $0, R1, done
	MOVBU (R0), R4
	EORW  R2, R4, R4
	MOVB  R4, (R0)

done:
	RET

// func maskCopyNEON(dst, src *byte, n int, key uint32)
TEXT ·maskCopyNEON(SB), NOSPLIT, $0-28
	MOVD  dst+0(FP), R0
	MOVD  src+8(FP), R5
	MOVD  n+16(FP), R1
	MOVWU key+24(FP), R2
	VDUP  R2, V0.S4

cloop64:
	CMP    $64, R1
	BLT    cloop16
	VLD1.P 64(R5), [V1.B16, V2.B16, V3.B16, V4.B16]
	VEOR   V0.B16, V1.B16, V1.B16
	VEOR   V0.B16, V2.B16, V2.B16
	VEOR   V0.B16, V3.B16, V3.B16
	VEOR   V0.B16, V4.B16, V4.B16
	VST1.P [V1.B16, V2.B16, V3.B16, V4.B16], 64(R0)
	SUB    $64, R1
	B      cloop64

cloop16:
	CMP    $16, R1
	BLT    ctail
	VLD1.P 16(R5), [V1.B16]
	VEOR   V0.B16, V1.B16, V1.B16
	VST1.P [V1.B16], 16(R0)
	SUB    $16, R1
	B      cloop16

ctail:
	ORR    R2<<32, R2, R3
	TBZ    $3, R1, ctail4
	MOVD.P 8(R5), R4
	EOR    R3, R4, R4
	MOVD.P R4, 8(R0)

ctail4:
	TBZ     $2, R1, ctail2
	MOVWU.P 4(R5), R4
	EORW    R2, R4, R4
	MOVW.P  R4, 4(R0)

ctail2:
	TBZ     $1, R1, ctail1
	MOVHU.P 2(R5), R4
	EORW    R2, R4, R4
	MOVH.P  R4, 2(R0)
	RORW    $16, R2, R2

ctail1:
	TBZ   $0, R1, cdone
	MOVBU (R5), R4
	EORW  R2, R4, R4
	MOVB  R4, (R0)

cdone:
	RET
