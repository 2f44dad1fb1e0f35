package privacy

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode"
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
		"mật khẩu của bác là abc123; Mật khẩu VNeID: Hoa@1950; mk: abc123",
		"mật khẩu của ông Tư: abc123, Mật khẩu (VNeID): Lan1960.",
		"email bác là nguyenvana@gmail.com, pin 1234, pin 50%, hết pin",
		"０３８１２３４５６７８９ ０９１２\u200b３４５６７８",
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
		// Mask returns the text normalised (NFKC); beyond that, a change is
		// a mask, and a mask has a kind.
		if once != normalize(s) && len(kinds) == 0 {
			t.Fatalf("the text changed but no kind of secret was reported: %q -> %q", s, once)
		}
	})
}

// fullWidth writes the ASCII digits of s that the bits of spread pick
// (cycling through its 64 bits) as full-width digits ("０".."９"), and puts
// an invisible character after the digits that the bits of hide pick.
func fullWidth(s string, spread, hide uint64) string {
	invisibles := []rune{'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff'}
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			b.WriteRune(r)
			continue
		}
		if spread>>(n%64)&1 == 1 {
			r += '０' - '0'
		}
		b.WriteRune(r)
		if hide>>(n%64)&1 == 1 {
			b.WriteRune(invisibles[n%len(invisibles)])
		}
		n++
	}
	return b.String()
}

// withoutFormatChars drops the invisible format characters (category Cf)
// from s, as a reader's eye does.
func withoutFormatChars(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
}

// FuzzMaskFullWidthDigits writes the digits of its input full-width or with
// zero-width characters among them, and checks that no twelve-digit run
// (nor any run of nine digits or more) survives, that no full-width digit
// survives, that masking twice changes nothing, and that Mask never panics.
func FuzzMaskFullWidthDigits(f *testing.F) {
	for _, seed := range []struct {
		s            string
		spread, hide uint64
	}{
		{"038123456789", ^uint64(0), 0},
		{"CCCD 038123456789 nhé", 0xAAAA, 0x0F0},
		{"gọi 0912345678 hoặc +84 912 345 678", ^uint64(0), 1 << 3},
		{"thẻ 9704 1234 5678 9012, stk 19034567890123", 0xF0F0F0F0, 0x1111},
		{"mật khẩu của bác là abc123, mk: 4829", ^uint64(0), ^uint64(0)},
		{"mã OTP là 482913; email lan1960@gmail.com", 0x5555, 0x2},
		{"038.123.456.789 và 038-123-456-789", 0x3C3C, 0xC3C3},
		{"chuyển 100.000 đồng năm 2025, gọi 156 hoặc 5656", ^uint64(0), 0},
		{"12345678" + Masked + "12345678", ^uint64(0), 0x100},
		{"pin 1234 pin 50% hết pin", ^uint64(0), 0},
		{"", 0, 0},
	} {
		f.Add(seed.s, seed.spread, seed.hide)
	}
	f.Fuzz(func(t *testing.T, s string, spread, hide uint64) {
		in := fullWidth(s, spread, hide)
		once, _ := Mask(in)
		if twice, _ := Mask(once); twice != once {
			t.Fatalf("masking twice changes the text:\n in:    %q\n once:  %q\n twice: %q", in, once, twice)
		}
		if strings.ContainsFunc(once, func(r rune) bool { return r >= '０' && r <= '９' }) {
			t.Fatalf("a full-width digit survives: %q -> %q", in, once)
		}
		visible := withoutFormatChars(once)
		if idRun.MatchString(visible) {
			t.Fatalf("a 12-digit run survives: %q -> %q", in, once)
		}
		if run := longDigitRun.FindString(visible); run != "" {
			t.Fatalf("%d digits in a row survive: %q -> %q", len(run), in, once)
		}
		if n := normalize(in); normalize(n) != n {
			t.Fatalf("normalising twice changes the text: %q -> %q -> %q", in, n, normalize(n))
		}
	})
}

// TestMaskIsIdempotentOnPhrases masks random sentences put together from
// the pieces residents type (keywords, fillers, separators, secrets, digits,
// Masked, invisible and full-width characters): what random bytes rarely
// reach.
func TestMaskIsIdempotentOnPhrases(t *testing.T) {
	pieces := []string{
		"mật khẩu", "mat khau", "mk", "MK", "pass", "password", "pw", "pin", "PIN", "mã pin", "mã bí mật",
		"mật mã", "otp", "mã OTP", "mã xác thực", "của", "bác", "VNeID", "ngân hàng", "mới", "thẻ", "atm",
		"là", "la", "is", ":", "=", "-", "->", "→", ",", ".", "!", "?", "(", ")", `"`, "'", "“", "”",
		"@", "gmail.com", "a@b.cc", "x@", "@y.com", "Tư:", "sai:", "otp:", "pin:", "&pass=", "?pw=",
		"abc123", "Hoa@1950", "hunter2!", "abc", "abcdefgh", "chuyen", "gì", "không", "rồi", "Lan", "x",
		"1234", "123456", "0912345678", "038123456789", "100.000", "9704 1234", "1 2", "3 4", "5-6", "7.8",
		"12", "5", "50%", "1", "9", "0", "+84", "84", "mAh", Masked, "•", "•••",
		"\u200b", "\u200d", "\ufeff", "\u00ad", "０", "９", "１２３", "é", "\u0301", "e\u0301", "ạ",
	}
	gaps := []string{" ", " ", " ", "", "", "\n"}
	r := rand.New(rand.NewPCG(2025, 10))
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(8) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			b.WriteString(gaps[r.IntN(len(gaps))])
		}
		s := b.String()
		once, kinds := Mask(s)
		if twice, _ := Mask(once); twice != once {
			t.Fatalf("masking twice changes the text:\n in:    %q\n once:  %q\n twice: %q", s, once, twice)
		}
		if run := longDigitRun.FindString(withoutFormatChars(once)); run != "" {
			t.Fatalf("%d digits in a row survive: %q -> %q", len(run), s, once)
		}
		if once != normalize(s) && len(kinds) == 0 {
			t.Fatalf("the text changed but no kind of secret was reported: %q -> %q", s, once)
		}
	}
}
