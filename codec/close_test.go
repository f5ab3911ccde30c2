package codec

import (
	"strings"
	"testing"
)

func TestParseClose(t *testing.T) {
	for _, tc := range []struct {
		payload string
		code    CloseCode
		reason  string
		err     error
		errCode CloseCode
	}{
		{"", CloseNoStatus, "", nil, 0},
		{"\x03", 0, "", ErrCloseLength, 1002},
		{"\x03\xe8", CloseNormal, "", nil, 0},
		{"\x03\xe8bye", CloseNormal, "bye", nil, 0},
		{"\x03\xe9€", CloseGoingAway, "€", nil, 0},
		{"\x03\xeb", CloseUnsupportedData, "", nil, 0},
		{"\x03\xec", 0, "", ErrCloseCode, 1002}, // 1004 reserved
		{"\x03\xed", 0, "", ErrCloseCode, 1002}, // 1005 local only
		{"\x03\xee", 0, "", ErrCloseCode, 1002}, // 1006 local only
		{"\x03\xef", CloseInvalidPayload, "", nil, 0},
		{"\x03\xf6", CloseBadGateway, "", nil, 0},
		{"\x03\xf7", 0, "", ErrCloseCode, 1002}, // 1015 local only
		{"\x03\xf8", 0, "", ErrCloseCode, 1002}, // 1016 unassigned
		{"\x0b\xb7", 0, "", ErrCloseCode, 1002}, // 2999
		{"\x0b\xb8", 3000, "", nil, 0},
		{"\x13\x87", 4999, "", nil, 0},
		{"\x13\x88", 0, "", ErrCloseCode, 1002}, // 5000
		{"\x00\x00", 0, "", ErrCloseCode, 1002},
		{"\xff\xff", 0, "", ErrCloseCode, 1002},
		{"\x03\xe8\xff", 0, "", ErrCloseReasonUTF8, 1007},
		{"\x03\xe8\xe2\x82", 0, "", ErrCloseReasonUTF8, 1007},
		{"\x03\xe8" + strings.Repeat("a", 123), CloseNormal, strings.Repeat("a", 123), nil, 0},
		{"\x03\xe8" + strings.Repeat("a", 124), 0, "", ErrControlTooLong, 1002},
	} {
		code, reason, err := ParseClose([]byte(tc.payload))
		if code != tc.code || string(reason) != tc.reason || err != tc.err {
			t.Errorf("% x: %v %q %v; want %v %q %v", tc.payload, code, reason, err, tc.code, tc.reason, tc.err)
		}
		if err != nil && CodeOf(err) != tc.errCode {
			t.Errorf("% x: code %v, want %v", tc.payload, CodeOf(err), tc.errCode)
		}
	}
}

func TestAppendClosePayload(t *testing.T) {
	for code := CloseCode(0); code < 5100; code++ {
		p, err := AppendClosePayload(nil, code, "ok")
		if code.ValidOnWire() != (err == nil) && code != CloseNoStatus {
			t.Fatalf("%v: %v", code, err)
		}
		if err != nil {
			continue
		}
		got, reason, err := ParseClose(p)
		if got != code || string(reason) != "ok" || err != nil {
			t.Fatalf("%v: round trip gave %v %q %v", code, got, reason, err)
		}
	}
	if p, err := AppendClosePayload([]byte("x"), CloseNoStatus, ""); string(p) != "x" || err != nil {
		t.Errorf("no status: %q %v", p, err)
	}
	for _, tc := range []struct {
		code   CloseCode
		reason string
		err    error
	}{
		{CloseNoStatus, "why", ErrCloseCode},
		{CloseAbnormal, "", ErrCloseCode},
		{1004, "", ErrCloseCode},
		{CloseNormal, strings.Repeat("é", 62), ErrCloseReasonTooLong}, // 124 bytes
		{CloseNormal, strings.Repeat("é", 61) + "a", nil},             // 123 bytes
		{CloseNormal, "\xff", ErrCloseReasonUTF8},
	} {
		if p, err := AppendClosePayload([]byte("k"), tc.code, tc.reason); err != tc.err || (err != nil && string(p) != "k") {
			t.Errorf("%v %q: %v, want %v", tc.code, tc.reason, err, tc.err)
		}
	}
}

func TestCloseCodeString(t *testing.T) {
	for code, want := range map[CloseCode]string{
		1000: "1000 (normal closure)", 1002: "1002 (protocol error)", 1004: "1004", 1005: "1005 (no status)",
		1007: "1007 (invalid payload data)", 1009: "1009 (message too big)", 1015: "1015 (TLS handshake)",
		1016: "1016", 3000: "3000", 999: "999",
	} {
		if got := code.String(); got != want {
			t.Errorf("%d: %q, want %q", uint16(code), got, want)
		}
	}
}

func TestCloseAllocs(t *testing.T) {
	p := []byte("\x03\xe8a reason long enough to need more than 32 bytes ok")
	dst := make([]byte, 0, 128)
	if a := testing.AllocsPerRun(100, func() {
		ParseClose(p)
		AppendClosePayload(dst[:0], CloseNormal, "a reason long enough to need more than 32 bytes, which is fine")
		AppendClosePayload(dst[:0], 1004, "")
	}); a != 0 {
		t.Errorf("%v allocations", a)
	}
}
