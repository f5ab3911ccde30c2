package utf8valid_test

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/wsframe/wsframe/utf8valid"
)

func ExampleValid() {
	fmt.Println(utf8valid.Valid([]byte("κόσμε")))
	fmt.Println(utf8valid.Valid([]byte{0xED, 0xA0, 0x80})) // a surrogate
	// Output:
	// true
	// false
}

// A text message arrives in frames, and a code point may be split between
// them; the Validator fails on the first byte that cannot be valid.
func ExampleValidator() {
	var v utf8valid.Validator
	frames := [][]byte{[]byte("price: \xE2\x82"), []byte("\xAC 10, "), []byte("bad: \xE2\x82x")}
	for _, f := range frames {
		if n, err := v.Write(f); err != nil {
			var e *utf8valid.Error
			errors.As(err, &e)
			fmt.Printf("byte %d of the frame, offset %d of the message: close with %d\n", n, e.Offset, e.CloseCode())
			return
		}
	}
	fmt.Println(v.Finish())
	// Output:
	// byte 7 of the frame, offset 22 of the message: close with 1007
}

// Finish reports a message that ends inside a sequence.
func ExampleValidator_Finish() {
	var v utf8valid.Validator
	v.Write([]byte("abc\xF0\x9F\x98"))
	fmt.Println(v.Finish())
	v.Reset()
	v.Write([]byte("abc\xF0\x9F\x98\x80"))
	fmt.Println(v.Finish())
	// Output:
	// utf8valid: message ends inside a UTF-8 sequence at offset 6
	// <nil>
}

func ExampleKernel() {
	// Kernel names the kernel in use, for logs and benchmark labels; which
	// one it is depends on the CPU. Kernels lists every kernel this CPU
	// can run, the one in use first and the portable "generic" last, and
	// they all give unicode/utf8's answers, so any of them can be pinned.
	ks := utf8valid.Kernels()
	fmt.Println(ks[0].Name == utf8valid.Kernel(), ks[len(ks)-1].Name)
	texts := []string{
		"κόσμε, 日本語, 😀: long enough to run every kernel's vector loop",
		"a surrogate, \xed\xa0\x80, is not valid UTF-8 in any vector block",
	}
	for _, text := range texts {
		p := []byte(text)
		for _, k := range ks {
			if k.Valid(p) != utf8.Valid(p) {
				fmt.Println(k.Name, "disagrees with unicode/utf8")
			}
		}
		fmt.Println(utf8valid.Valid(p))
	}
	// Output:
	// true generic
	// true
	// false
}
