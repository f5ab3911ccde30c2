package wsframe_test

import (
	"fmt"

	"github.com/wsframe/wsframe"
)

func ExampleMask() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}          // RFC 6455 §5.7's example key
	payload := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58} // "Hello", masked

	// Unmask in two chunks, as a receiver would when the payload arrives
	// split: the offset returned by one call is passed to the next.
	pos := wsframe.Mask(key, 0, payload[:3])
	wsframe.Mask(key, pos, payload[3:])
	fmt.Printf("%s\n", payload)
	// Output: Hello
}

func ExampleMaskCopy() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	frame := make([]byte, 2+4+5)
	frame[0], frame[1] = 0x81, 0x80|5 // FIN + text, masked, length 5
	copy(frame[2:], key[:])

	// Mask the user's payload while copying it behind the header: one pass.
	wsframe.MaskCopy(frame[6:], []byte("Hello"), key, 0)
	fmt.Printf("% x\n", frame)
	// Output: 81 85 37 fa 21 3d 7f 9f 4d 51 58
}

func ExampleKernels() {
	// Every kernel this CPU can run, the one in use first, the portable
	// "generic" last. They all give the same result, so any of them can be
	// pinned, or timed against the others.
	ks := wsframe.Kernels()
	want := []byte("same on every kernel")
	for _, k := range ks {
		b := append([]byte(nil), want...)
		k.Mask([4]byte{1, 2, 3, 4}, 0, b)
		k.Mask([4]byte{1, 2, 3, 4}, 0, b)
		if string(b) != string(want) {
			fmt.Println(k.Name, "differs")
		}
	}
	fmt.Println(ks[0].Name == wsframe.Kernel(), ks[len(ks)-1].Name)
	// Output: true generic
}

func ExampleKernel() {
	// The kernel in use, for a start-up log line or a benchmark label.
	name := wsframe.Kernel()
	switch name {
	case "avx512", "avx2", "sse2", "neon", "generic":
		fmt.Println("masking kernel is known")
	default:
		fmt.Println("unexpected kernel", name)
	}
	// Output: masking kernel is known
}
