package wsframe_test

import (
	"bytes"
	"fmt"
	"strings"

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
	// "generic" last. Each computes exactly RFC 6455 §5.3, so any of them
	// can be pinned, or timed against the others. Below, each one masks a
	// payload long enough to run its vector loops (short payloads never
	// leave Go) and is held to the definition, one byte at a time.
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d} // RFC 6455 §5.7's example key
	payload := []byte(strings.Repeat("Hello", 100))
	want := make([]byte, len(payload))
	for i := range payload {
		want[i] = payload[i] ^ key[i%4]
	}

	ks := wsframe.Kernels()
	for _, k := range ks {
		inPlace := append([]byte(nil), payload...)
		k.Mask(key, 0, inPlace)
		copied := make([]byte, len(payload))
		k.MaskCopy(copied, payload, key, 0)
		if !bytes.Equal(inPlace, want) || !bytes.Equal(copied, want) {
			fmt.Println(k.Name, "breaks RFC 6455 §5.3")
		}
	}
	// What the kernel in use made of the first "Hello": RFC 6455 §5.7's
	// masked example frame has the same five payload bytes.
	masked := append([]byte(nil), payload...)
	ks[0].Mask(key, 0, masked)
	fmt.Printf("% x\n", masked[:5])
	fmt.Println(ks[0].Name == wsframe.Kernel(), ks[len(ks)-1].Name)
	// Output:
	// 7f 9f 4d 51 58
	// true generic
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
