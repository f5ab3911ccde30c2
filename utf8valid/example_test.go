package utf8valid_test

import (
	"errors"
	"fmt"

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
	// Kernel is meant for logs and benchmark labels; its value depends on
	// the CPU.
	_ = utf8valid.Kernel()
	for _, k := range utf8valid.Kernels() {
		_ = k.Valid([]byte("every kernel gives the same answer"))
	}
}
