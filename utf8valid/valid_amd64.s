//go:build !purego && gc

#include "textflag.h"

// UTF-8 validation with the Keiser–Lemire "lookup" algorithm ("Validating
// UTF-8 in less than one instruction per byte", 2021). For every byte the
// error classes it could belong to are looked up three times, by the high
// and low nibble of the byte before it and by its own high nibble; the AND of
// the three is nonzero exactly for a bad two-byte pair. Whether a byte must be
// the third or fourth of a sequence is read from the bytes two and three back
// and XORed into the "two continuations in a row" bit. An error at byte i
// depends only on bytes i-3..i, so blocks are checked independently once the
// previous block's last three bytes are shifted in, and a block that ends
// inside a sequence is only an error if the next block does not continue it.
//
// Both kernels take the previous chunk's last four bytes (carry, a
// little-endian word) as the bytes before p, so a stream needs no scalar
// stitching between chunks, and return -1 or the offset in p of the block
// (group of blocks) in which the first error showed. An error shows in the
// block of the offending byte or, for C0, C1 and F5..FF, of the byte after
// it, so the offending byte is at that offset minus one or later.

// CHECK512 checks the 64-byte block cur whose predecessor is prev, ORing any
// error into Z22. Clobbers Z1..Z7. 14 instructions, 7 of them shuffles.
#define CHECK512(cur, prev) \
	VALIGND    $12, prev, cur, Z1 \
	VPALIGNR   $15, Z1, cur, Z2 \ // byte i-1
	VPALIGNR   $14, Z1, cur, Z3 \ // byte i-2
	VPALIGNR   $13, Z1, cur, Z4 \ // byte i-3
	VPSRLW     $4, Z2, Z5 \
	VPERMB     Z31, Z5, Z5 \ // by prev1's high nibble
	VPERMB     Z30, Z2, Z6 \ // by prev1's low nibble
	VPSRLW     $4, cur, Z7 \
	VPERMB     Z29, Z7, Z7 \ // by cur's high nibble
	VPTERNLOGD $0x80, Z7, Z6, Z5 \ // Z5 = AND of the three
	VPSUBUSB   Z27, Z3, Z3 \ // >= 0x80 iff prev2 >= 0xE0
	VPSUBUSB   Z26, Z4, Z4 \ // >= 0x80 iff prev3 >= 0xF0
	VPTERNLOGD $0xA8, Z25, Z4, Z3 \ // Z3 = (Z3|Z4) & 0x80: must be a continuation
	VPTERNLOGD $0xF6, Z5, Z3, Z22 // Z22 |= Z3 ^ Z5

// func scanAVX512(p *byte, n int, carry uint32) int
TEXT ·scanAVX512(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL carry+16(FP), AX
	MOVQ SI, DI
	CMPQ CX, $16
	JBE  small

	// Constants come from memory, not through general registers, so the
	// setup is all loads, which matters for short chunks.
	VMOVDQU64    byte1High<>(SB), Z31
	VMOVDQU64    byte1Low<>(SB), Z30
	VMOVDQU64    byte2High<>(SB), Z29
	VMOVDQU64    maxLead<>(SB), Z24
	VPBROADCASTD third<>(SB), Z27
	VPBROADCASTD fourth<>(SB), Z26
	VPBROADCASTD high<>(SB), Z25

	// Z23: the previous block; only its last three bytes matter, so the
	// carry broadcast to every dword serves. Z21: nonzero where it ends
	// inside a sequence. Z22: errors.
	VPBROADCASTD AX, Z23
	VPSUBUSB     Z24, Z23, Z21
	VPXORQ       Z22, Z22, Z22

loop256:
	CMPQ CX, $256
	JB   loop64
	VMOVDQU64  (SI), Z0
	VMOVDQU64  64(SI), Z8
	VMOVDQU64  128(SI), Z9
	VMOVDQU64  192(SI), Z10
	VPORQ      Z0, Z8, Z11
	VPTERNLOGD $0xFE, Z10, Z9, Z11
	VPMOVB2M   Z11, K1
	KORTESTQ   K1, K1
	JNZ        multi256

	// 256 ASCII bytes: fine unless the previous block left a sequence open.
	VPTESTMQ  Z21, Z21, K2
	KORTESTQ  K2, K2
	JNZ       fail
	VMOVDQA64 Z10, Z23
	ADDQ      $256, SI
	SUBQ      $256, CX
	JMP       loop256

multi256:
	CHECK512(Z0, Z23)
	CHECK512(Z8, Z0)
	CHECK512(Z9, Z8)
	CHECK512(Z10, Z9)
	VMOVDQA64 Z10, Z23
	VPSUBUSB  Z24, Z10, Z21
	VPTESTMQ  Z22, Z22, K2
	KORTESTQ  K2, K2
	JNZ       fail
	ADDQ      $256, SI
	SUBQ      $256, CX
	JMP       loop256

loop64:
	CMPQ      CX, $64
	JB        tail
	VMOVDQU64 (SI), Z0
	VPMOVB2M  Z0, K1
	KORTESTQ  K1, K1
	JNZ       multi64
	VPTESTMQ  Z21, Z21, K2
	KORTESTQ  K2, K2
	JNZ       fail
	VMOVDQA64 Z0, Z23
	ADDQ      $64, SI
	SUBQ      $64, CX
	JMP       loop64

multi64:
	CHECK512(Z0, Z23)
	VMOVDQA64 Z0, Z23
	VPSUBUSB  Z24, Z0, Z21
	VPTESTMQ  Z22, Z22, K2
	KORTESTQ  K2, K2
	JNZ       fail
	ADDQ      $64, SI
	SUBQ      $64, CX
	JMP       loop64

tail:
	// Fewer than 64 bytes left: a masked load reads exactly them (it does
	// not fault on the bytes it skips) and zeros the rest. The zeros may
	// flag a sequence open at the end, so only errors at real bytes count;
	// an open sequence is the caller's to carry.
	TESTQ       CX, CX
	JZ          ok
	MOVQ        $1, AX
	SHLQ        CX, AX
	DECQ        AX
	KMOVQ       AX, K1
	VMOVDQU8.Z  (SI), K1, Z0
	VPMOVB2M    Z0, K3
	KORTESTQ    K3, K3
	JNZ         tailmulti
	VPTESTMQ    Z21, Z21, K2
	KORTESTQ    K2, K2
	JNZ         fail
	JMP         ok

tailmulti:
	CHECK512(Z0, Z23)
	VPTESTMB    Z22, Z22, K1, K2
	KORTESTQ    K2, K2
	JNZ         fail

ok:
	MOVQ       $-1, ret+24(FP)
	VZEROUPPER
	RET

fail:
	SUBQ       DI, SI
	MOVQ       SI, ret+24(FP)
	VZEROUPPER
	RET

small:
	// 1..16 bytes, the common size of a streamed chunk's remainder or of a
	// tiny frame: the same check on one 16-byte XMM block, with only the
	// constants it needs, keeps the call short.
	MOVQ        $1, DX
	SHLQ        CX, DX
	DECQ        DX
	KMOVQ       DX, K1
	VMOVDQU8.Z  (SI), K1, X0
	VPBROADCASTD AX, X1
	VPALIGNR    $15, X1, X0, X2 // byte i-1
	VPALIGNR    $14, X1, X0, X3 // byte i-2
	VPALIGNR    $13, X1, X0, X4 // byte i-3

	// A 16-byte VPERMB indexes with the low four bits only: no nibble
	// masks, and the tables stay in memory.
	VPSRLW      $4, X2, X5
	VPERMB      byte1High<>(SB), X5, X5
	VPERMB      byte1Low<>(SB), X2, X6
	VPSRLW      $4, X0, X7
	VPERMB      byte2High<>(SB), X7, X7
	VPTERNLOGD  $0x80, X7, X6, X5
	VPSUBUSB    third<>(SB), X3, X3
	VPSUBUSB    fourth<>(SB), X4, X4
	VPTERNLOGD  $0xA8, high<>(SB), X4, X3
	VPXOR       X5, X3, X3
	VPTESTMB    X3, X3, K1, K2
	KORTESTW    K2, K2
	JNZ         smallfail
	MOVQ        $-1, ret+24(FP)
	RET

smallfail:
	MOVQ $0, ret+24(FP)
	RET

// CHECK256 checks the 32-byte block cur whose predecessor is prev, ORing any
// error into Y10. Clobbers Y2..Y5. VPSHUFB needs clean nibbles, so the AVX2
// version masks them with Y12 where VPERMB could ignore the spare bits.
#define CHECK256(cur, prev) \
	VPERM2I128 $0x21, cur, prev, Y2 \ // prev's high lane, cur's low lane
	VPALIGNR   $15, Y2, cur, Y3 \ // byte i-1
	VPALIGNR   $14, Y2, cur, Y4 \ // byte i-2
	VPALIGNR   $13, Y2, cur, Y5 \ // byte i-3
	VPSRLW     $4, Y3, Y2 \
	VPAND      Y12, Y2, Y2 \
	VPSHUFB    Y2, Y15, Y2 \ // by prev1's high nibble
	VPAND      Y12, Y3, Y3 \
	VPSHUFB    Y3, Y14, Y3 \ // by prev1's low nibble
	VPAND      Y3, Y2, Y2 \
	VPSRLW     $4, cur, Y3 \
	VPAND      Y12, Y3, Y3 \
	VPSHUFB    Y3, Y13, Y3 \ // by cur's high nibble
	VPAND      Y3, Y2, Y2 \
	VPSUBUSB   third<>(SB), Y4, Y4 \ // >= 0x80 iff prev2 >= 0xE0
	VPSUBUSB   fourth<>(SB), Y5, Y5 \ // >= 0x80 iff prev3 >= 0xF0
	VPOR       Y5, Y4, Y4 \
	VPAND      high<>(SB), Y4, Y4 \ // must be a continuation
	VPXOR      Y2, Y4, Y4 \
	VPOR       Y4, Y10, Y10

// func scanAVX2(p *byte, n int, carry uint32) int
TEXT ·scanAVX2(SB), NOSPLIT, $32-32
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVL carry+16(FP), AX
	MOVQ SI, DI

	VMOVDQU byte1High<>(SB), Y15
	VMOVDQU byte1Low<>(SB), Y14
	VMOVDQU byte2High<>(SB), Y13
	VMOVDQU nibble<>(SB), Y12

	// Y11: the previous block (the carry in every dword; only the last
	// three bytes matter). Y9: nonzero where it ends inside a sequence.
	// Y10: errors.
	MOVQ         AX, X11
	VPBROADCASTD X11, Y11
	VPSUBUSB     maxLead<>+32(SB), Y11, Y9
	VPXOR        Y10, Y10, Y10

loop64:
	CMPQ      CX, $64
	JB        loop32
	VMOVDQU   (SI), Y0
	VMOVDQU   32(SI), Y1
	VPOR      Y0, Y1, Y2
	VPMOVMSKB Y2, AX
	TESTL     AX, AX
	JNZ       multi64

	// 64 ASCII bytes: fine unless the previous block left a sequence open.
	VPTEST  Y9, Y9
	JNZ     fail
	VMOVDQA Y1, Y11
	ADDQ    $64, SI
	SUBQ    $64, CX
	JMP     loop64

multi64:
	CHECK256(Y0, Y11)
	CHECK256(Y1, Y0)
	VMOVDQA  Y1, Y11
	VPSUBUSB maxLead<>+32(SB), Y1, Y9
	VPTEST   Y10, Y10
	JNZ      fail
	ADDQ     $64, SI
	SUBQ     $64, CX
	JMP      loop64

loop32:
	CMPQ    CX, $32
	JB      tail
	VMOVDQU (SI), Y0
	CHECK256(Y0, Y11)
	VMOVDQA Y0, Y11
	VPTEST  Y10, Y10
	JNZ     fail
	ADDQ    $32, SI
	SUBQ    $32, CX
	JMP     loop32

tail:
	// Fewer than 32 bytes left: copy them into a zeroed block on the stack
	// with two overlapping moves of the largest size that fits (reading
	// nothing outside p), check it, and count errors at real bytes only.
	TESTQ   CX, CX
	JZ      ok
	VPXOR   Y0, Y0, Y0
	VMOVDQU Y0, (SP)
	LEAQ    (SP), DX
	CMPQ    CX, $16
	JB      tail8
	VMOVDQU (SI), X1
	VMOVDQU -16(SI)(CX*1), X2
	VMOVDQU X1, (DX)
	VMOVDQU X2, -16(DX)(CX*1)
	JMP     tailcheck

tail8:
	CMPQ CX, $8
	JB   tail4
	MOVQ (SI), AX
	MOVQ -8(SI)(CX*1), BX
	MOVQ AX, (DX)
	MOVQ BX, -8(DX)(CX*1)
	JMP  tailcheck

tail4:
	CMPQ CX, $4
	JB   tail1
	MOVL (SI), AX
	MOVL -4(SI)(CX*1), BX
	MOVL AX, (DX)
	MOVL BX, -4(DX)(CX*1)
	JMP  tailcheck

tail1:
	MOVBLZX (SI), AX
	MOVBLZX -1(SI)(CX*1), BX
	MOVB    AX, (DX)
	MOVB    BX, -1(DX)(CX*1)
	CMPQ    CX, $3
	JB      tailcheck
	MOVBLZX 1(SI), AX
	MOVB    AX, 1(DX)

tailcheck:
	VMOVDQU   (DX), Y0
	CHECK256(Y0, Y11)
	VPXOR     Y1, Y1, Y1
	VPCMPEQB  Y1, Y10, Y1
	VPMOVMSKB Y1, AX
	NOTL      AX
	MOVL      $1, BX
	SHLL      CX, BX
	DECL      BX
	ANDL      BX, AX
	JNZ       fail

ok:
	MOVQ       $-1, ret+24(FP)
	VZEROUPPER
	RET

fail:
	SUBQ       DI, SI
	MOVQ       SI, ret+24(FP)
	VZEROUPPER
	RET

// Keiser–Lemire lookup tables, each 16-entry table repeated four times so
// that VPERMB, which indexes with the low six bits, needs no nibble mask, and
// VPSHUFB finds its copy in every 128-bit lane.

DATA byte1High<>+0(SB)/8, $0x0202020202020202
DATA byte1High<>+8(SB)/8, $0x4915012180808080
DATA byte1High<>+16(SB)/8, $0x0202020202020202
DATA byte1High<>+24(SB)/8, $0x4915012180808080
DATA byte1High<>+32(SB)/8, $0x0202020202020202
DATA byte1High<>+40(SB)/8, $0x4915012180808080
DATA byte1High<>+48(SB)/8, $0x0202020202020202
DATA byte1High<>+56(SB)/8, $0x4915012180808080
GLOBL byte1High<>(SB), RODATA|NOPTR, $64

DATA byte1Low<>+0(SB)/8, $0xcbcbcb8b8383a3e7
DATA byte1Low<>+8(SB)/8, $0xcbcbdbcbcbcbcbcb
DATA byte1Low<>+16(SB)/8, $0xcbcbcb8b8383a3e7
DATA byte1Low<>+24(SB)/8, $0xcbcbdbcbcbcbcbcb
DATA byte1Low<>+32(SB)/8, $0xcbcbcb8b8383a3e7
DATA byte1Low<>+40(SB)/8, $0xcbcbdbcbcbcbcbcb
DATA byte1Low<>+48(SB)/8, $0xcbcbcb8b8383a3e7
DATA byte1Low<>+56(SB)/8, $0xcbcbdbcbcbcbcbcb
GLOBL byte1Low<>(SB), RODATA|NOPTR, $64

DATA byte2High<>+0(SB)/8, $0x0101010101010101
DATA byte2High<>+8(SB)/8, $0x01010101babaaee6
DATA byte2High<>+16(SB)/8, $0x0101010101010101
DATA byte2High<>+24(SB)/8, $0x01010101babaaee6
DATA byte2High<>+32(SB)/8, $0x0101010101010101
DATA byte2High<>+40(SB)/8, $0x01010101babaaee6
DATA byte2High<>+48(SB)/8, $0x0101010101010101
DATA byte2High<>+56(SB)/8, $0x01010101babaaee6
GLOBL byte2High<>(SB), RODATA|NOPTR, $64

// maxLead: a block's last three bytes may start a sequence only below these
// (no 4-byte lead in the third-last, no 3+ byte lead in the second-last, no
// lead in the last); a byte above it means the block ends inside a sequence.

DATA maxLead<>+0(SB)/8, $0xffffffffffffffff
DATA maxLead<>+8(SB)/8, $0xffffffffffffffff
DATA maxLead<>+16(SB)/8, $0xffffffffffffffff
DATA maxLead<>+24(SB)/8, $0xffffffffffffffff
DATA maxLead<>+32(SB)/8, $0xffffffffffffffff
DATA maxLead<>+40(SB)/8, $0xffffffffffffffff
DATA maxLead<>+48(SB)/8, $0xffffffffffffffff
DATA maxLead<>+56(SB)/8, $0xbfdfefffffffffff
GLOBL maxLead<>(SB), RODATA|NOPTR, $64

// Byte constants for the AVX2 kernel's memory operands.

DATA nibble<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibble<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibble<>+16(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA nibble<>+24(SB)/8, $0x0f0f0f0f0f0f0f0f
GLOBL nibble<>(SB), RODATA|NOPTR, $32

DATA third<>+0(SB)/8, $0x6060606060606060
DATA third<>+8(SB)/8, $0x6060606060606060
DATA third<>+16(SB)/8, $0x6060606060606060
DATA third<>+24(SB)/8, $0x6060606060606060
GLOBL third<>(SB), RODATA|NOPTR, $32

DATA fourth<>+0(SB)/8, $0x7070707070707070
DATA fourth<>+8(SB)/8, $0x7070707070707070
DATA fourth<>+16(SB)/8, $0x7070707070707070
DATA fourth<>+24(SB)/8, $0x7070707070707070
GLOBL fourth<>(SB), RODATA|NOPTR, $32

DATA high<>+0(SB)/8, $0x8080808080808080
DATA high<>+8(SB)/8, $0x8080808080808080
DATA high<>+16(SB)/8, $0x8080808080808080
DATA high<>+24(SB)/8, $0x8080808080808080
GLOBL high<>(SB), RODATA|NOPTR, $32
