package codec

import (
	"crypto/sha1"
	"encoding/base64"
	"math/rand"
	"testing"
)

func TestAccept(t *testing.T) {
	// The example of RFC 6455 §1.3.
	const key, accept = "dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
	got, err := AppendAccept([]byte("x"), key)
	if string(got) != "x"+accept || err != nil {
		t.Fatalf("%q %v", got, err)
	}
	if got, _ := AppendAccept(nil, []byte(key)); string(got) != accept {
		t.Fatalf("[]byte key: %q", got)
	}
	if !ValidAccept(key, accept) || !ValidAccept([]byte(key), []byte(accept)) {
		t.Fatal("ValidAccept refuses the RFC's example")
	}
	if ValidAccept(key, accept[:26]+"p=") || ValidAccept(key, accept[:27]) || ValidAccept("bad", accept) {
		t.Fatal("ValidAccept accepts a wrong answer")
	}
	// Against a straightforward computation, for random keys.
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 100; i++ {
		k, err := AppendKey(nil, rng)
		if err != nil || len(k) != KeyLen || !ValidKey(k) {
			t.Fatalf("AppendKey: %q %v", k, err)
		}
		sum := sha1.Sum([]byte(string(k) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		want := base64.StdEncoding.EncodeToString(sum[:])
		if got, _ := AppendAccept(nil, string(k)); string(got) != want {
			t.Fatalf("%q: %q, want %q", k, got, want)
		}
	}
	if k, err := AppendKey(nil, nil); err != nil || !ValidKey(k) {
		t.Fatalf("AppendKey with crypto/rand: %q %v", k, err)
	}
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"dGhlIHNhbXBsZSBub25jZQ==":     true,
		"AAAAAAAAAAAAAAAAAAAAAA==":     true,
		"/////////////////////w==":     true,
		"/////////////////////x==":     false, // stray bits in the last character
		"dGhlIHNhbXBsZSBub25jZQ=":      false,
		"dGhlIHNhbXBsZSBub25jZQ===":    false,
		"dGhlIHNhbXBsZSBub25jZQ":       false,
		"dGhlIHNhbXBsZSBub25jZ===":     false,
		"dGhlIHNhbXBsZSBub25jZQ-=":     false,
		"dGhlIHNhbXBsZSBub25j-Q==":     false,
		"dGhlIHNhbXBsZSBub25jZ_==":     false,
		" GhlIHNhbXBsZSBub25jZQ==":     false,
		"":                             false,
		"dGhlIHNhbXBsZSBub25jZXh4eA==": false, // 18 bytes
	} {
		if ValidKey(key) != want {
			t.Errorf("ValidKey(%q) = %v", key, !want)
		}
		if _, err := AppendAccept(nil, key); (err == nil) != want || (err != nil && err != ErrInvalidKey) {
			t.Errorf("AppendAccept(%q): %v", key, err)
		}
	}
	// Every canonical encoding of 16 bytes is valid; the decoder agrees.
	rng := rand.New(rand.NewSource(8))
	for i := 0; i < 1000; i++ {
		var raw [16]byte
		rng.Read(raw[:])
		if k := base64.StdEncoding.EncodeToString(raw[:]); !ValidKey(k) {
			t.Fatalf("%q refused", k)
		}
	}
}

func TestHandshakeAllocs(t *testing.T) {
	key := []byte("dGhlIHNhbXBsZSBub25jZQ==")
	dst := make([]byte, 0, 64)
	if a := testing.AllocsPerRun(100, func() {
		dst, _ = AppendAccept(dst[:0], key)
		ValidKey(key)
		ValidAccept(key, dst)
		AppendAccept(dst[:0], "bad")
	}); a != 0 {
		t.Errorf("%v allocations", a)
	}
}
