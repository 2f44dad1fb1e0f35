package flows

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/text/unicode/norm"
)

// answer is how a typed yes/no answer must be read.
type answer int

const (
	unclear answer = iota // not understood: the hint and the buttons are shown again
	yes
	no
)

// TestTypedYesNoPhrasings reads real phrasings, among them every one the
// content review (shared/domain/content-review.md, items 2 and 12) saw
// refused, with the words of the shipped locale files.
func TestTypedYesNoPhrasings(t *testing.T) {
	u := newUnderstanding(shippedWords(t))
	cases := []struct {
		text string
		want answer
	}{
		// Refused before, from the review.
		{"đọc rồi", yes},
		{"lỡ đưa rồi", yes},
		{"chưa đọc", no},
		{"co a", yes},
		{"khong a", no},
		{"dạ có", yes},
		{"dạ không", no},
		{norm.NFD.String("có"), yes},
		{"sai tên", no},
		{"không phải", no},
		{"không đúng", no},
		// Polite particles, case, diacritics, punctuation.
		{"Có ạ", yes},
		{"CÓ", yes},
		{"có!", yes},
		{"Dạ vâng", yes},
		{"vâng ạ", yes},
		{"dạ", yes},
		{"ừ", yes},
		{"Không ạ.", no},
		{"khong", no},
		{"ko", no},
		{"k", no},
		{"dạ chưa ạ", no},
		{"chua", no},
		{norm.NFD.String("Dạ không ạ"), no},
		// Natural answers.
		{"rồi", yes},
		{"roi", yes},
		{"đưa rồi", yes},
		{"lỡ bấm rồi", yes},
		{"lo dua roi", yes},
		{"tôi đã đưa mã cho họ", yes},
		{"đúng rồi", yes},
		{"đúng tên", yes},
		{"được", yes},
		{"không có", no},
		{"chưa đưa", no},
		{"chưa ạ, tôi chưa đưa gì", no},
		{"tôi không đưa", no},
		{"sai rồi", no},
		{"không phải tên đó", no},
		{"chưa nhận được", no},
		// English.
		{"yes", yes},
		{"Yes please", yes},
		{"yeah", yes},
		{"I already did", yes},
		{"no", no},
		{"No.", no},
		{"not yet", no},
		{"I didn't", no},
		{"wrong name", no},
		// Doubt, and what is no answer at all.
		{"không biết", unclear},
		{"ko biet", unclear},
		{"hình như rồi", unclear},
		{"có lẽ", unclear},
		{"không nhớ nữa", unclear},
		{"maybe", unclear},
		{"yes and no", unclear},
		{"có mà cũng không", unclear},
		{"ạ", unclear},
		{"not sure", unclear},
		{"", unclear},
		{"🙂", unclear},
		{"cô", unclear}, // typed with its own marks: "aunt", not "có"
		{"bác ơi cho cháu hỏi cái này làm thế nào để lấy lại mật khẩu vneid của bác", unclear},
	}
	for _, c := range cases {
		isYes, ok := u.yesNo(c.text)
		got := unclear
		switch {
		case ok && isYes:
			got = yes
		case ok:
			got = no
		}
		assert.Equalf(t, c.want, got, "%q", c.text)
	}
	assert.GreaterOrEqual(t, len(cases), 40)
}

func TestTypedLabelsAndOptions(t *testing.T) {
	u := newUnderstanding(shippedWords(t))
	label := Text{"vi": "🏦 Lỡ đưa rồi", "en": "I already gave it"}
	for _, typed := range []string{"Lỡ đưa rồi", "lo dua roi", "lỡ đưa rồi!", norm.NFD.String("LỠ ĐƯA RỒI"), "i already gave it"} {
		assert.True(t, isLabel(typed, label), typed)
	}
	for _, typed := range []string{"lỡ", "đưa rồi", "", "lỡ đưa rồi ạ nhé bác"} {
		assert.False(t, isLabel(typed, label), typed)
	}

	options := []Option{
		{Value: "app", Label: Text{"vi": "Trong ứng dụng VNeID", "en": "In the VNeID app"}},
		{Value: "web", Label: Text{"vi": "Trên trang web", "en": "On the website"}, Words: map[string][]string{"vi": {"máy tính", "dichvucong"}}},
	}
	for typed, want := range map[string]int{"trong ung dung vneid": 0, "Trên trang web": 1, "máy tính ạ": 1, "dichvucong": 1} {
		got, ok := u.option(typed, options)
		assert.True(t, ok, typed)
		assert.Equal(t, want, got, typed)
	}
	for _, typed := range []string{"điện thoại", "không biết", "trong ứng dụng vneid hay trên trang web"} {
		_, ok := u.option(typed, options)
		assert.False(t, ok, typed)
	}
}
