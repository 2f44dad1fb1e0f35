package privacy

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMask(t *testing.T) {
	cases := []struct {
		in, want string
		kinds    []Kind
	}{
		{"CCCD của tôi là 038123456789", "CCCD của tôi là ••••", []Kind{IDNumber}},
		{"số cccd 038 123 456 789 nhé", "số cccd •••• nhé", []Kind{IDNumber}},
		{"gọi cho tôi 0912345678", "gọi cho tôi ••••", []Kind{Phone}},
		{"sđt +84 912 345 678", "sđt ••••", []Kind{Phone}},
		{"mã OTP là 482913", "mã OTP là ••••", []Kind{OTP}},
		{"482913", "••••", []Kind{OTP}},
		{"otp: 4829", "otp: ••••", []Kind{OTP}},
		{"thẻ 9704 1234 5678 9012", "thẻ ••••", []Kind{Card}},
		{"stk 19034567890123 techcombank", "stk •••• techcombank", []Kind{Account}},
		{"mật khẩu là Abc@12345", "mật khẩu là ••••", []Kind{Password}},
		{"my password: hunter2!", "my password: ••••", []Kind{Password}},
		{"Mat khau Xyz#2024 ạ", "Mat khau •••• ạ", []Kind{Password}},
		// Not secrets: amounts, years, short numbers, dates.
		{"chuyển 100.000 đồng năm 2025", "chuyển 100.000 đồng năm 2025", nil},
		// A bare six-digit number may be an OTP: the masker errs on the
		// side of hiding.
		{"phí 200000 đồng", "phí •••• đồng", []Kind{OTP}},
		{"gọi 156 hoặc 5656", "gọi 156 hoặc 5656", nil},
		{"ngày 10/10", "ngày 10/10", nil},
		{"mã 1234567890123456789012345", "mã ••••", []Kind{Account}},
	}
	for _, c := range cases {
		got, kinds := Mask(c.in)
		assert.Equal(t, c.want, got, c.in)
		assert.Equal(t, c.kinds, kinds, c.in)
	}
}

func TestMaskReportsEachKindOnce(t *testing.T) {
	got, kinds := Mask("0912345678 và 0987654321, cccd 038123456789")
	assert.Equal(t, "•••• và ••••, cccd ••••", got)
	assert.Equal(t, []Kind{Phone, IDNumber}, kinds)
}

func FuzzMaskNeverLeaksTwelveDigits(f *testing.F) {
	for _, seed := range []string{"038123456789", "a 0912345678 b", "mật khẩu x", "9704 1234 5678 9012"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, _ := Mask(s)
		if idRun.MatchString(out) {
			t.Fatalf("masked text still holds a 12-digit run: %q -> %q", s, out)
		}
	})
}
