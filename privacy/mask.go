// Package privacy finds and masks personal secrets that residents type by
// mistake. The desk masks them before a text is stored or shown to anyone,
// volunteers included, and reminds the resident never to share them.
//
// Mask replaces each of these with [Masked]:
//
//   - ID-card numbers (CCCD): twelve digits, possibly grouped
//     ("038 123 456 789");
//   - Vietnamese mobile numbers: 0, 84 or +84, then nine digits starting
//     with 3, 5, 7, 8 or 9;
//   - OTP codes: four to eight digits after "OTP", "mã xác thực",
//     "mã xác nhận", "mã kích hoạt"…, and any bare six-digit number;
//   - bank-card numbers (15 to 19 digits) and account numbers (eight digits
//     or more);
//   - e-mail addresses;
//   - passwords and PINs: the word that follows "mật khẩu", "mat khau",
//     "mk", "pass", "password", "passcode", "pw", "mã pin", "pin",
//     "mã bí mật", "mật mã"… in the phrasings residents use, such as
//     "mật khẩu VNeID của bác là Hoa@1950" or "mk: abc123", but not in
//     ordinary sentences such as "bác quên mật khẩu rồi" or
//     "điện thoại hết pin".
//
// Amounts ("100.000"), years, short numbers ("156", "5656") and dates
// ("10/10") are left alone.
//
// The text is normalised first (Unicode NFKC), so full-width digits
// ("０３８…") and other look-alike characters are read, and returned, as
// their plain forms; invisible format characters typed or pasted next to a
// digit (zero-width space, joiners, word joiner, byte-order mark…) are
// dropped, so they cannot split a number in two.
package privacy

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind is a kind of secret.
type Kind string

// Kinds of secrets the masker finds.
const (
	// IDNumber is a twelve-digit ID-card (CCCD) number.
	IDNumber Kind = "id_number"
	// Phone is a Vietnamese mobile phone number.
	Phone Kind = "phone"
	// OTP is a one-time code: digits after "OTP" and the like, or any bare
	// six-digit number.
	OTP Kind = "otp"
	// Card is a bank-card number: 15 to 19 digits.
	Card Kind = "card"
	// Account is a bank-account number, or any other run of eight digits or
	// more that is not a phone, ID-card or card number.
	Account Kind = "account"
	// Password is a password, passcode or PIN given after its keyword.
	Password Kind = "password"
	// Email is an e-mail address.
	Email Kind = "email"
)

// Masked replaces each secret in a text.
const Masked = "••••"

// Mask returns text, normalised (see the package documentation), with every
// secret replaced by Masked, and the kinds it found (each once: e-mail
// addresses first, then secrets after a keyword, then numbers, each in the
// order found). Mask(Mask(text)) gives the same text as Mask(text).
func Mask(text string) (string, []Kind) {
	var m masker
	text = normalize(text)
	text = m.emails(text)
	text = m.afterKeywords(text)
	text = m.numbers(text)
	return text, m.kinds
}

// masker collects the kinds of secret found in one text.
type masker struct {
	kinds []Kind
}

// found notes a kind of secret, once.
func (m *masker) found(k Kind) {
	for _, have := range m.kinds {
		if have == k {
			return
		}
	}
	m.kinds = append(m.kinds, k)
}

// normalize returns s in Unicode NFKC, without the invisible format
// characters that stand next to a digit.
func normalize(s string) string {
	s = norm.NFKC.String(s)
	if stripped := stripInvisibleNearDigits(s); stripped != s {
		// Dropping a format character only brings a digit next to another
		// character, which composes with nothing; normalise again anyway,
		// so the result is NFKC whatever the input.
		s = norm.NFKC.String(stripped)
	}
	return s
}

// invisible reports whether r is a format character (Unicode category Cf:
// zero-width space U+200B, non-joiner U+200C, joiner U+200D, word joiner
// U+2060, byte-order mark U+FEFF, direction marks, soft hyphen…), which
// shows nothing and may hide inside a number.
func invisible(r rune) bool {
	return r >= 0xAD && unicode.Is(unicode.Cf, r)
}

// isDigit reports whether r is an ASCII digit (after NFKC, full-width and
// other compatibility digits are ASCII).
func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// stripInvisibleNearDigits drops each run of invisible characters that has
// a digit just before or just after it: "0912\u200b345678" becomes
// "0912345678". Elsewhere, as in the joiners of emoji sequences, they stay.
func stripInvisibleNearDigits(s string) string {
	var b strings.Builder
	kept := 0 // s[:kept] is written to b, or dropped
	prevDigit := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !invisible(r) {
			prevDigit = isDigit(r)
			i += size
			continue
		}
		j := i + size
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if !invisible(r) {
				break
			}
			j += size
		}
		if prevDigit || (j < len(s) && isDigit(rune(s[j]))) {
			b.WriteString(s[kept:i])
			kept = j
		}
		i = j
	}
	if kept == 0 {
		return s
	}
	b.WriteString(s[kept:])
	return b.String()
}

// emailPattern matches an e-mail address: "nguyenvana@gmail.com".
var emailPattern = regexp.MustCompile(`[\p{L}\p{M}\p{N}._%+\-]+@[\p{L}\p{M}\p{N}\-]+(?:\.[\p{L}\p{M}\p{N}\-]+)*\.\p{L}{2,}`)

// emails masks e-mail addresses.
func (m *masker) emails(text string) string {
	if !strings.Contains(text, "@") {
		return text
	}
	return emailPattern.ReplaceAllStringFunc(text, func(string) string {
		m.found(Email)
		return Masked
	})
}

// digitRunPattern matches runs of digits, possibly grouped by single spaces,
// dots or dashes, and possibly written as keycap emoji ("0️⃣9️⃣…").
var digitRunPattern = regexp.MustCompile(`\+?\d\x{FE0F}?\x{20E3}?(?:[ .\-]?\d\x{FE0F}?\x{20E3}?){3,}`)

// numbers masks the runs of digits that are secrets.
func (m *masker) numbers(text string) string {
	return digitRunPattern.ReplaceAllStringFunc(text, func(run string) string {
		kind, secret := classify(run)
		if !secret {
			return run
		}
		m.found(kind)
		return Masked
	})
}

// classify decides what a run of digits is.
func classify(run string) (Kind, bool) {
	run = strings.NewReplacer("\uFE0F", "", "\u20E3", "").Replace(run)
	digits := strings.Map(func(r rune) rune {
		if isDigit(r) {
			return r
		}
		return -1
	}, run)
	n := len(digits)
	switch {
	case isPhone(run, digits):
		return Phone, true
	case n == 12:
		return IDNumber, true
	case n >= 15 && n <= 19:
		return Card, true
	case n >= 8:
		return Account, true // an account number, or any long run of digits
	case n == 6 && digits == strings.ReplaceAll(run, " ", ""):
		return OTP, true // a bare six-digit code; "100.000" (an amount) has a dot
	}
	return "", false
}

// isPhone recognises Vietnamese mobile numbers: 0 or +84 or 84, then 9 digits
// starting with 3, 5, 7, 8 or 9.
func isPhone(run, digits string) bool {
	switch {
	case strings.HasPrefix(run, "+84") || (strings.HasPrefix(digits, "84") && len(digits) == 11):
		digits = digits[2:]
	case strings.HasPrefix(digits, "0") && len(digits) == 10:
		digits = digits[1:]
	default:
		return false
	}
	return len(digits) == 9 && strings.ContainsRune("35789", rune(digits[0]))
}
