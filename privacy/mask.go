// Package privacy finds and masks personal secrets that residents type by
// mistake: ID-card numbers, phone numbers, OTP codes, bank card and account
// numbers, and whatever follows "mật khẩu" or "password". The desk masks
// them before a text is stored or shown to anyone, and reminds the resident
// never to share them.
package privacy

import (
	"regexp"
	"strings"
)

// Kind is a kind of secret.
type Kind string

// Kinds of secrets the masker finds.
const (
	IDNumber Kind = "id_number"
	Phone    Kind = "phone"
	OTP      Kind = "otp"
	Card     Kind = "card"
	Account  Kind = "account"
	Password Kind = "password"
)

// Masked replaces each secret in a text.
const Masked = "••••"

var (
	// "mật khẩu: abc", "password is abc", "passcode 123456", "mã pin 1234".
	passwordPattern = regexp.MustCompile(`(?i)(m[aậ]t\s*kh[aẩ]u|password|passcode|pass|m[aã]\s*pin|pin)(\s*(?:l[aà]|is|:|=|-)?\s*)(\S+)`)
	// "mã otp 123456", "OTP: 1234".
	otpContextPattern = regexp.MustCompile(`(?i)(otp|m[aã]\s*x[aá]c\s*(?:th[uự]c|nh[aậ]n))(\s*(?:l[aà]|is|:|=|-)?\s*)(\d[\d\s]{2,10}\d)`)
	// Runs of digits, possibly grouped by spaces, dots or dashes.
	digitRunPattern = regexp.MustCompile(`\+?\d(?:[\d]|[ .\-](?:\d)){3,}`)
)

// Mask returns text with every secret replaced by Masked, and the kinds it
// found (each once, in the order first found).
func Mask(text string) (string, []Kind) {
	var kinds []Kind
	found := func(k Kind) {
		for _, have := range kinds {
			if have == k {
				return
			}
		}
		kinds = append(kinds, k)
	}
	text = passwordPattern.ReplaceAllStringFunc(text, func(m string) string {
		parts := passwordPattern.FindStringSubmatch(m)
		found(Password)
		return parts[1] + parts[2] + Masked
	})
	text = otpContextPattern.ReplaceAllStringFunc(text, func(m string) string {
		parts := otpContextPattern.FindStringSubmatch(m)
		found(OTP)
		return parts[1] + parts[2] + Masked
	})
	text = digitRunPattern.ReplaceAllStringFunc(text, func(m string) string {
		kind, secret := classify(m)
		if !secret {
			return m
		}
		found(kind)
		return Masked
	})
	return text, kinds
}

// classify decides what a run of digits is.
func classify(run string) (Kind, bool) {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
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
	case n == 6 && digits == strings.ReplaceAll(run, " ", "") && !strings.ContainsAny(run, ".-"):
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
