package handlers

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDisplayNamesNeedTwoVisibleLetters(t *testing.T) {
	for typed, want := range map[string]string{
		"Lê Hà":                           "Lê Hà",
		"  Lan   -  Đoàn xã Thọ Xuân ":    "Lan - Đoàn xã Thọ Xuân",
		"Lê\u200b Hà\u200d":               "Lê Hà",
		"\u200fHà\u200e":                  "Hà",
		"Thu\u00a0Hà":                     "Thu Hà",
		"Le\u0302 Ha\u0300":               "Le\u0302 Ha\u0300", // decomposed diacritics: marks are kept
		"An 🌸\ufe0f":                      "An 🌸",
		"Minh 2":                          "Minh 2",
		strings.Repeat("a", maxNameRunes): strings.Repeat("a", maxNameRunes),
	} {
		got, ok := displayName(typed)
		assert.True(t, ok, "%q accepted", typed)
		assert.Equal(t, want, got, "%q cleaned", typed)
	}
	for _, typed := range []string{
		"\u200b\u200b\u200b\u200b", // four zero-width spaces
		"..", "1234", "", "   ", "A", "A.", "!!!", "🌸🌸🌸",
		"\u3164\u3164\u3164",        // Hangul fillers: letters to Unicode, blank to the eye
		"\u2060A\u2060\u2063\u00ad", // one letter among format characters
		"Lan 0912345678",            // a phone number
		strings.Repeat("a", maxNameRunes+1),
	} {
		got, ok := displayName(typed)
		assert.False(t, ok, "%q refused (got %q)", typed, got)
	}
}
