package privacy

import (
	"regexp"
	"testing"
	"unicode/utf8"
)

// longDigitRun matches nine or more digits in a row: longer than any
// amount, year or short code a resident types, and as long as the shortest
// phone, account, ID-card or bank-card number.
var longDigitRun = regexp.MustCompile(`[0-9]{9,}`)

func FuzzMaskIsIdempotentAndSafe(f *testing.F) {
	for _, seed := range []string{
		"CCCD của tôi là 038123456789",
		"số cccd 038 123 456 789 nhé",
		"gọi cho tôi 0912345678 hoặc +84 912 345 678",
		"mã OTP là 482913, otp: 4829",
		"thẻ 9704 1234 5678 9012, stk 19034567890123 techcombank",
		"mật khẩu là Abc@12345; my password: hunter2!; Mat khau Xyz#2024 ạ",
		"mã pin 1234 pass 0000",
		"chuyển 100.000 đồng năm 2025, gọi 156 hoặc 5656, ngày 10/10",
		"mã 1234567890123456789012345",
		"otp 123456789012345678",
		"1.2.3.4.5.6.7.8.9.0",
		"1-2-3-4-5-6-7-8-9-0-1-2",
		"12345678" + Masked + "12345678",
		"password " + Masked + " " + Masked,
		"☎️ 0️⃣9️⃣1️⃣2️⃣ ‏0912345678‏ \u200b0912\u200b345678",
		"\xff\xfe0912345678\xff",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, kinds := Mask(s)
		twice, _ := Mask(once)
		if twice != once {
			t.Fatalf("masking twice changes the text:\n in:    %q\n once:  %q\n twice: %q", s, once, twice)
		}
		if utf8.ValidString(s) && !utf8.ValidString(once) {
			t.Fatalf("masking broke UTF-8: %q -> %q", s, once)
		}
		if run := longDigitRun.FindString(once); run != "" {
			t.Fatalf("%d digits in a row survive: %q -> %q", len(run), s, once)
		}
		if once != s && len(kinds) == 0 {
			t.Fatalf("the text changed but no kind of secret was reported: %q -> %q", s, once)
		}
	})
}
