package bot

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestSplitTextKeepsEverythingWithinTheLimit(t *testing.T) {
	line := strings.Repeat("Bác bấm vào nút “Kích hoạt”. ", 10) + "\n"
	text := strings.Repeat(line, 40) // about 12,000 characters
	pieces := SplitText(text, MaxTextRunes)
	assert.Greater(t, len(pieces), 2)
	for _, p := range pieces {
		assert.LessOrEqual(t, utf8.RuneCountInString(p), MaxTextRunes)
		assert.True(t, utf8.ValidString(p))
		assert.True(t, strings.HasSuffix(p, "\n") || p == pieces[len(pieces)-1], "cut after a line break")
	}
	assert.Equal(t, text, strings.Join(pieces, ""), "no character is lost")
	assert.Equal(t, []string{"short"}, SplitText("short", MaxTextRunes))
	unbroken := strings.Repeat("x", 9000)
	got := SplitText(unbroken, MaxTextRunes)
	assert.Equal(t, []int{4096, 4096, 808}, []int{len(got[0]), len(got[1]), len(got[2])})
}
