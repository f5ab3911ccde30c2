//go:build !purego && gc

#include "textflag.h"

// TAIL_INPLACE masks the last len&15 < 16 bytes in place for the SSE2 and
// AVX2 kernels: DI points at them, the low four bits of SI are their count,
// R8 holds the key word twice and AX once. Whole words keep the key's phase;
// only the 2-byte step shifts it, for the last byte.
#define TAIL_INPLACE \
	TESTQ $8, SI \
	JZ    tail4 \
	XORQ  R8, (DI) \
	ADDQ  $8, DI \
tail4: \
	TESTQ $4, SI \
	JZ    tail2 \
	XORL  AX, (DI) \
	ADDQ  $4, DI \
tail2: \
	TESTQ $2, SI \
	JZ    tail1 \
	XORW  AX, (DI) \
	ADDQ  $2, DI \
	RORL  $16, AX \
tail1: \
	TESTQ $1, SI \
	JZ    tail_done \
	XORB  AX, (DI) \
tail_done: \
	RET

// TAIL_COPY is TAIL_INPLACE for the copying kernels: SI is the source, DI
// the destination, the low four bits of BX the count.
#define TAIL_COPY \
	TESTQ $8, BX \
	JZ    ctail4 \
	MOVQ  (SI), CX \
	XORQ  R8, CX \
	MOVQ  CX, (DI) \
	ADDQ  $8, DI \
	ADDQ  $8, SI \
ctail4: \
	TESTQ $4, BX \
	JZ    ctail2 \
	MOVL  (SI), CX \
	XORL  AX, CX \
	MOVL  CX, (DI) \
	ADDQ  $4, DI \
	ADDQ  $4, SI \
ctail2: \
	TESTQ $2, BX \
	JZ    ctail1 \
	MOVW  (SI), CX \
	XORW  AX, CX \
	MOVW  CX, (DI) \
	ADDQ  $2, DI \
	ADDQ  $2, SI \
	RORL  $16, AX \
ctail1: \
	TESTQ $1, BX \
	JZ    ctail_done \
	MOVB  (SI), CX \
	XORB  AX, CX \
	MOVB  CX, (DI) \
ctail_done: \
	RET

// Every kernel here XORs n bytes with a 4-byte key word repeated (the key
// already rotated to the payload's key offset by the Go caller) and does the
// bulk work only: the Go side has checked the arguments and handles payloads
// shorter than smallMax. Tails are done without touching a byte outside the
// slice: in place by testing the bits of the remaining length (32-, 16-,
// 8-, 4-, 2- and 1-byte steps), and in maskCopyAVX512 through byte-masked
// loads and stores (masked-off bytes never fault).

// func maskBulk(p unsafe.Pointer, n int, k uint32)
// Jumps to the kernel in use with the arguments as they are: every kernel
// has this frame layout. impl is implSSE2 (0), implAVX2 (1) or implAVX512
// (2) (see mask_amd64.go).
TEXT ·maskBulk(SB), NOSPLIT, $0-20
	MOVQ ·impl(SB), AX
	CMPQ AX, $2
	JNE  bulk_avx2
	JMP  ·maskAVX512(SB)

bulk_avx2:
	CMPQ AX, $1
	JNE  bulk_sse2
	JMP  ·maskAVX2(SB)

bulk_sse2:
	JMP  ·maskSSE2(SB)

// func maskAVX512(p *byte, n int, key uint32)
// Requires AVX512F and AVX512BW.
TEXT ·maskAVX512(SB), NOSPLIT, $0-20
	MOVQ p+0(FP), DI
	MOVQ n+8(FP), SI
	MOVL key+16(FP), AX
	VPBROADCASTD AX, Z0
	CMPQ SI, $256
	JB   avx512_loop64

	// Long payload: make every full-vector store below 64-byte aligned (a
	// store that splits a cache line costs twice). With h = bytes to the
	// boundary, mask the unaligned first 64 bytes and the aligned 64 at
	// p+h, loading both before storing either: the bytes the two share are
	// then masked once, by the second store, with the key rotated by h.
	// (A byte-masked store of just the h head bytes measured slower on
	// AMD Zen 5.)
	MOVQ  DI, BX
	NEGQ  BX
	ANDQ  $63, BX
	JZ    avx512_loop256
	MOVQ  BX, CX
	SHLQ  $3, CX
	RORL  CX, AX
	VPBROADCASTD AX, Z5
	VPXORD    (DI), Z0, Z1
	VPXORD    (DI)(BX*1), Z5, Z2
	VMOVDQU64 Z1, (DI)
	VMOVDQU64 Z2, (DI)(BX*1)
	LEAQ      64(DI)(BX*1), DI
	SUBQ      BX, SI
	SUBQ      $64, SI
	VMOVDQA64 Z5, Z0

avx512_loop256:
	CMPQ SI, $256
	JB   avx512_loop64
	VPXORD    (DI), Z0, Z1
	VPXORD    64(DI), Z0, Z2
	VPXORD    128(DI), Z0, Z3
	VPXORD    192(DI), Z0, Z4
	VMOVDQU64 Z1, (DI)
	VMOVDQU64 Z2, 64(DI)
	VMOVDQU64 Z3, 128(DI)
	VMOVDQU64 Z4, 192(DI)
	ADDQ $256, DI
	SUBQ $256, SI
	JMP  avx512_loop256

avx512_loop64:
	CMPQ SI, $64
	JB   avx512_tail
	VPXORD    (DI), Z0, Z1
	VMOVDQU64 Z1, (DI)
	ADDQ $64, DI
	SUBQ $64, SI
	JMP  avx512_loop64

avx512_tail:
	// The last n&63 bytes: a 32-byte and a 16-byte step, then words, as
	// the AVX2 kernel does. A payload of a given size then always stores
	// the same pieces at the same places, so masking a buffer in place
	// again forwards each store to the load that reads it back; a
	// byte-masked store, or a last vector overlapping the one before,
	// does not forward, which costs about 2 ns a call on AMD Zen 5.
	TESTQ SI, SI
	JZ    avx512_done
	TESTQ $32, SI
	JZ    avx512_tail16
	VPXOR   (DI), Y0, Y1
	VMOVDQU Y1, (DI)
	ADDQ    $32, DI

avx512_tail16:
	TESTQ $16, SI
	JZ    avx512_tail8
	VPXOR   (DI), X0, X1
	VMOVDQU X1, (DI)
	ADDQ    $16, DI

avx512_tail8:
	VZEROUPPER
	MOVQ AX, R8
	SHLQ $32, R8
	ORQ  AX, R8 // R8 = key word twice, for TAIL_INPLACE
	TAIL_INPLACE

avx512_done:
	VZEROUPPER
	RET

// func maskCopyAVX512(dst, src *byte, n int, key uint32)
// Requires AVX512F and AVX512BW.
TEXT ·maskCopyAVX512(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), BX
	MOVL key+24(FP), AX
	VPBROADCASTD AX, Z0
	CMPQ BX, $256
	JB   avx512c_loop64

	// Align the destination: one unaligned 64-byte block, then carry on
	// from the boundary, rewriting the bytes the two share with the same
	// values (dst and src do not overlap: equal slices take maskAVX512).
	MOVQ  DI, R8
	NEGQ  R8
	ANDQ  $63, R8
	JZ    avx512c_loop256
	VPXORD    (SI), Z0, Z1
	VMOVDQU64 Z1, (DI)
	ADDQ  R8, DI
	ADDQ  R8, SI
	SUBQ  R8, BX
	MOVQ  R8, CX
	SHLQ  $3, CX
	RORL  CX, AX
	VPBROADCASTD AX, Z0

avx512c_loop256:
	CMPQ BX, $256
	JB   avx512c_loop64
	VPXORD    (SI), Z0, Z1
	VPXORD    64(SI), Z0, Z2
	VPXORD    128(SI), Z0, Z3
	VPXORD    192(SI), Z0, Z4
	VMOVDQU64 Z1, (DI)
	VMOVDQU64 Z2, 64(DI)
	VMOVDQU64 Z3, 128(DI)
	VMOVDQU64 Z4, 192(DI)
	ADDQ $256, DI
	ADDQ $256, SI
	SUBQ $256, BX
	JMP  avx512c_loop256

avx512c_loop64:
	CMPQ BX, $64
	JB   avx512c_tail
	VPXORD    (SI), Z0, Z1
	VMOVDQU64 Z1, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $64, BX
	JMP  avx512c_loop64

avx512c_tail:
	TESTQ BX, BX
	JZ    avx512c_done
	MOVQ  $-1, DX
	BZHIQ BX, DX, DX
	KMOVQ DX, K1
	VMOVDQU8.Z (SI), K1, Z1
	VPXORD     Z0, Z1, Z1
	VMOVDQU8   Z1, K1, (DI)

avx512c_done:
	VZEROUPPER
	RET

// func maskAVX2(p *byte, n int, key uint32)
// Requires AVX2.
TEXT ·maskAVX2(SB), NOSPLIT, $0-20
	MOVQ p+0(FP), DI
	MOVQ n+8(FP), SI
	MOVL key+16(FP), AX
	MOVQ AX, R8
	SHLQ $32, R8
	ORQ  AX, R8           // R8 = key word twice, for 8-byte tails
	MOVQ R8, X0
	VPBROADCASTQ X0, Y0
	CMPQ SI, $256
	JB   avx2_loop128

	// Long payload: mask up to 31 bytes so that the vector stores below
	// are 32-byte aligned and never split a cache line. The 1- and 2-byte
	// steps shift the key's phase; the key registers are rebuilt after.
	MOVQ  DI, CX
	NEGQ  CX
	ANDQ  $31, CX
	JZ    avx2_loop128
	SUBQ  CX, SI
	TESTQ $1, CX
	JZ    avx2_head2
	XORB  AX, (DI)
	INCQ  DI
	RORL  $8, AX

avx2_head2:
	TESTQ $2, CX
	JZ    avx2_head4
	XORW  AX, (DI)
	ADDQ  $2, DI
	RORL  $16, AX

avx2_head4:
	MOVL  AX, R8
	MOVQ  R8, R9
	SHLQ  $32, R9
	ORQ   R9, R8
	MOVQ  R8, X0
	VPBROADCASTQ X0, Y0
	TESTQ $4, CX
	JZ    avx2_head8
	XORL  AX, (DI)
	ADDQ  $4, DI

avx2_head8:
	TESTQ $8, CX
	JZ    avx2_head16
	XORQ  R8, (DI)
	ADDQ  $8, DI

avx2_head16:
	TESTQ   $16, CX
	JZ      avx2_loop128
	VPXOR   (DI), X0, X1
	VMOVDQU X1, (DI)
	ADDQ    $16, DI

avx2_loop128:
	CMPQ SI, $128
	JB   avx2_loop32
	VPXOR   (DI), Y0, Y1
	VPXOR   32(DI), Y0, Y2
	VPXOR   64(DI), Y0, Y3
	VPXOR   96(DI), Y0, Y4
	VMOVDQU Y1, (DI)
	VMOVDQU Y2, 32(DI)
	VMOVDQU Y3, 64(DI)
	VMOVDQU Y4, 96(DI)
	ADDQ $128, DI
	SUBQ $128, SI
	JMP  avx2_loop128

avx2_loop32:
	CMPQ SI, $32
	JB   avx2_tail16
	VPXOR   (DI), Y0, Y1
	VMOVDQU Y1, (DI)
	ADDQ $32, DI
	SUBQ $32, SI
	JMP  avx2_loop32

avx2_tail16:
	VZEROUPPER
	TESTQ $16, SI
	JZ    tail8
	MOVOU (DI), X1
	PXOR  X0, X1
	MOVOU X1, (DI)
	ADDQ  $16, DI

tail8:
	TAIL_INPLACE

// func maskSSE2(p *byte, n int, key uint32)
TEXT ·maskSSE2(SB), NOSPLIT, $0-20
	MOVQ p+0(FP), DI
	MOVQ n+8(FP), SI
	MOVL key+16(FP), AX
	MOVQ AX, R8
	SHLQ $32, R8
	ORQ  AX, R8
	MOVQ R8, X0
	PUNPCKLQDQ X0, X0

sse2_loop64:
	CMPQ SI, $64
	JB   sse2_loop16
	MOVOU (DI), X1
	MOVOU 16(DI), X2
	MOVOU 32(DI), X3
	MOVOU 48(DI), X4
	PXOR  X0, X1
	PXOR  X0, X2
	PXOR  X0, X3
	PXOR  X0, X4
	MOVOU X1, (DI)
	MOVOU X2, 16(DI)
	MOVOU X3, 32(DI)
	MOVOU X4, 48(DI)
	ADDQ $64, DI
	SUBQ $64, SI
	JMP  sse2_loop64

sse2_loop16:
	CMPQ SI, $16
	JB   tail8
	MOVOU (DI), X1
	PXOR  X0, X1
	MOVOU X1, (DI)
	ADDQ $16, DI
	SUBQ $16, SI
	JMP  sse2_loop16

tail8:
	TAIL_INPLACE


// func maskCopyAVX2(dst, src *byte, n int, key uint32)
// Requires AVX2.
TEXT ·maskCopyAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), BX
	MOVL key+24(FP), AX
	MOVQ AX, R8
	SHLQ $32, R8
	ORQ  AX, R8
	MOVQ R8, X0
	VPBROADCASTQ X0, Y0
	CMPQ BX, $256
	JB   avx2c_loop128

	// Align the destination, as maskAVX2 does.
	MOVQ  DI, CX
	NEGQ  CX
	ANDQ  $31, CX
	JZ    avx2c_loop128
	SUBQ  CX, BX
	TESTQ $1, CX
	JZ    avx2c_head2
	MOVB  (SI), DX
	XORB  AX, DX
	MOVB  DX, (DI)
	INCQ  SI
	INCQ  DI
	RORL  $8, AX

avx2c_head2:
	TESTQ $2, CX
	JZ    avx2c_head4
	MOVW  (SI), DX
	XORW  AX, DX
	MOVW  DX, (DI)
	ADDQ  $2, SI
	ADDQ  $2, DI
	RORL  $16, AX

avx2c_head4:
	MOVL  AX, R8
	MOVQ  R8, R9
	SHLQ  $32, R9
	ORQ   R9, R8
	MOVQ  R8, X0
	VPBROADCASTQ X0, Y0
	TESTQ $4, CX
	JZ    avx2c_head8
	MOVL  (SI), DX
	XORL  AX, DX
	MOVL  DX, (DI)
	ADDQ  $4, SI
	ADDQ  $4, DI

avx2c_head8:
	TESTQ $8, CX
	JZ    avx2c_head16
	MOVQ  (SI), DX
	XORQ  R8, DX
	MOVQ  DX, (DI)
	ADDQ  $8, SI
	ADDQ  $8, DI

avx2c_head16:
	TESTQ   $16, CX
	JZ      avx2c_loop128
	VPXOR   (SI), X0, X1
	VMOVDQU X1, (DI)
	ADDQ    $16, SI
	ADDQ    $16, DI

avx2c_loop128:
	CMPQ BX, $128
	JB   avx2c_loop32
	VPXOR   (SI), Y0, Y1
	VPXOR   32(SI), Y0, Y2
	VPXOR   64(SI), Y0, Y3
	VPXOR   96(SI), Y0, Y4
	VMOVDQU Y1, (DI)
	VMOVDQU Y2, 32(DI)
	VMOVDQU Y3, 64(DI)
	VMOVDQU Y4, 96(DI)
	ADDQ $128, DI
	ADDQ $128, SI
	SUBQ $128, BX
	JMP  avx2c_loop128

avx2c_loop32:
	CMPQ BX, $32
	JB   avx2c_tail16
	VPXOR   (SI), Y0, Y1
	VMOVDQU Y1, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $32, BX
	JMP  avx2c_loop32

avx2c_tail16:
	VZEROUPPER
	TESTQ $16, BX
	JZ    ctail8
	MOVOU (SI), X1
	PXOR  X0, X1
	MOVOU X1, (DI)
	ADDQ  $16, DI
	ADDQ  $16, SI

ctail8:
	TAIL_COPY

// func maskCopySSE2(dst, src *byte, n int, key uint32)
TEXT ·maskCopySSE2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), BX
	MOVL key+24(FP), AX
	MOVQ AX, R8
	SHLQ $32, R8
	ORQ  AX, R8
	MOVQ R8, X0
	PUNPCKLQDQ X0, X0

sse2c_loop64:
	CMPQ BX, $64
	JB   sse2c_loop16
	MOVOU (SI), X1
	MOVOU 16(SI), X2
	MOVOU 32(SI), X3
	MOVOU 48(SI), X4
	PXOR  X0, X1
	PXOR  X0, X2
	PXOR  X0, X3
	PXOR  X0, X4
	MOVOU X1, (DI)
	MOVOU X2, 16(DI)
	MOVOU X3, 32(DI)
	MOVOU X4, 48(DI)
	ADDQ $64, DI
	ADDQ $64, SI
	SUBQ $64, BX
	JMP  sse2c_loop64

sse2c_loop16:
	CMPQ BX, $16
	JB   ctail8
	MOVOU (SI), X1
	PXOR  X0, X1
	MOVOU X1, (DI)
	ADDQ $16, DI
	ADDQ $16, SI
	SUBQ $16, BX
	JMP  sse2c_loop16

ctail8:
	TAIL_COPY

