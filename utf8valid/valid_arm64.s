//go:build !purego && gc

#include "textflag.h"

// The Keiser–Lemire "lookup" check (see valid_amd64.s for the algorithm)
// over 16-byte NEON blocks. TBL looks up whole bytes and USHR shifts bytes,
// so no nibble cleanup is needed after the shifts; "must be the third or
// fourth byte" is two more lookups by the high nibble of the bytes two and
// three back instead of saturating subtractions.

// func scanNEON(p *byte, n int, carry uint32, last int) int
TEXT ·scanNEON(SB), NOSPLIT, $0-40
	MOVD  p+0(FP), R0
	MOVD  n+8(FP), R1
	MOVWU carry+16(FP), R2
	MOVD  last+24(FP), R3
	MOVD  R0, R6

	MOVD $tables<>(SB), R4
	VLD1 (R4), [V28.B16, V29.B16, V30.B16, V31.B16]
	ADD  $64, R4
	VLD1 (R4), [V26.B16, V27.B16]

	// V25: 0xFF for the bytes of the last block that count.
	MOVD $masks<>(SB), R5
	ADD  $16, R5
	SUB  R3, R5
	VLD1 (R5), [V25.B16]

	// V1: the previous block; only its last three bytes matter, so the
	// carry in every word serves.
	VDUP R2, V1.S4

loop:
	VLD1  (R0), [V0.B16]
	ADD   $16, R0
	VEXT  $15, V0.B16, V1.B16, V2.B16 // byte i-1
	VEXT  $14, V0.B16, V1.B16, V3.B16 // byte i-2
	VEXT  $13, V0.B16, V1.B16, V4.B16 // byte i-3
	VUSHR $4, V2.B16, V5.B16
	VTBL  V5.B16, [V31.B16], V5.B16   // by prev1's high nibble
	VAND  V28.B16, V2.B16, V6.B16
	VTBL  V6.B16, [V30.B16], V6.B16   // by prev1's low nibble
	VUSHR $4, V0.B16, V7.B16
	VTBL  V7.B16, [V29.B16], V7.B16   // by cur's high nibble
	VAND  V6.B16, V5.B16, V5.B16
	VAND  V7.B16, V5.B16, V5.B16
	VUSHR $4, V3.B16, V3.B16
	VTBL  V3.B16, [V27.B16], V3.B16   // 0x80 iff prev2 >= 0xE0
	VUSHR $4, V4.B16, V4.B16
	VTBL  V4.B16, [V26.B16], V4.B16   // 0x80 iff prev3 >= 0xF0
	VORR  V4.B16, V3.B16, V3.B16
	VEOR  V5.B16, V3.B16, V3.B16      // nonzero where a byte is bad
	SUBS  $16, R1, R1
	BNE   test
	VAND  V25.B16, V3.B16, V3.B16

test:
	VMOV V3.D[0], R7
	VMOV V3.D[1], R8
	ORR  R7, R8, R7
	CBNZ R7, fail
	VORR V0.B16, V0.B16, V1.B16
	CBNZ R1, loop
	MOVD $-1, R7
	MOVD R7, ret+32(FP)
	RET

fail:
	SUB  $16, R0
	SUB  R6, R0
	MOVD R0, ret+32(FP)
	RET

// Lookup tables: the nibble mask, the three Keiser–Lemire tables, and
// the third- and fourth-byte tables by high nibble.
DATA tables<>+0(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA tables<>+8(SB)/8, $0x0f0f0f0f0f0f0f0f
DATA tables<>+16(SB)/8, $0x0101010101010101
DATA tables<>+24(SB)/8, $0x01010101babaaee6
DATA tables<>+32(SB)/8, $0xcbcbcb8b8383a3e7
DATA tables<>+40(SB)/8, $0xcbcbdbcbcbcbcbcb
DATA tables<>+48(SB)/8, $0x0202020202020202
DATA tables<>+56(SB)/8, $0x4915012180808080
DATA tables<>+64(SB)/8, $0x0000000000000000
DATA tables<>+72(SB)/8, $0x8000000000000000
DATA tables<>+80(SB)/8, $0x0000000000000000
DATA tables<>+88(SB)/8, $0x8080000000000000
GLOBL tables<>(SB), RODATA|NOPTR, $96

// masks: a window of 16 bytes at masks+16-k has k leading 0xFF bytes.
DATA masks<>+0(SB)/8, $0xffffffffffffffff
DATA masks<>+8(SB)/8, $0xffffffffffffffff
DATA masks<>+16(SB)/8, $0x0000000000000000
DATA masks<>+24(SB)/8, $0x0000000000000000
GLOBL masks<>(SB), RODATA|NOPTR, $32
