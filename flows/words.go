package flows

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Words are what residents type for yes, no and "not sure", in every
// language the bot speaks. They come from the locale files (answer.yes,
// answer.no, answer.unsure), so a translator can add the words of a
// region. A word may be a phrase of several words ("không phải", "not
// yet").
type Words struct {
	Yes, No, Unsure []string
	// Polite are particles that soften an answer ("dạ", "ạ", "please"):
	// left out when anything else was typed, so "dạ không" is no, and read
	// alone when nothing else was ("vâng ạ" is yes when vâng is a yes).
	Polite []string
}

// token is one word of typed text: as typed (NFC, lower case) and folded
// (without diacritics, đ as d).
type token struct {
	typed, folded string
}

// tokens splits text into words: NFC or NFD, any case, punctuation and
// emoji are all the same to it.
func tokens(text string) []token {
	fields := strings.FieldsFunc(strings.ToLower(norm.NFC.String(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	out := make([]token, len(fields))
	for i, f := range fields {
		out[i] = token{typed: f, folded: fold(f)}
	}
	return out
}

// fold removes Vietnamese diacritics: "Lỡ đưa rồi" becomes "lo dua roi".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// phrase is a word or phrase to look for in typed text.
type phrase []token

func newPhrases(words []string) []phrase {
	var out []phrase
	for _, w := range words {
		if p := phrase(tokens(w)); len(p) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// matches reports whether a typed word is this word: the same as written,
// or typed without diacritics and the same once the word's are removed
// ("co" is "có"; "cô", typed with its own marks, is not).
func (t token) matches(w token) bool {
	return t.typed == w.typed || (t.typed == t.folded && t.folded == w.folded)
}

// in reports whether the phrase occurs in text, word for word.
func (p phrase) in(text []token) bool {
	for i := 0; i+len(p) <= len(text); i++ {
		found := true
		for j, w := range p {
			if !text[i+j].matches(w) {
				found = false
				break
			}
		}
		if found {
			return true
		}
	}
	return false
}

// firstIn returns where the first of the phrases occurs in text, or -1.
func firstIn(phrases []phrase, text []token) int {
	first := -1
	for _, p := range phrases {
		for i := 0; i+len(p) <= len(text) && (first < 0 || i < first); i++ {
			if p.in(text[i : i+len(p)]) {
				first = i
				break
			}
		}
	}
	return first
}

func anyIn(phrases []phrase, text []token) bool {
	for _, p := range phrases {
		if p.in(text) {
			return true
		}
	}
	return false
}

// understanding turns typed answers into yes, no or an option.
type understanding struct {
	yes, no, unsure, polite []phrase
}

func newUnderstanding(w Words) *understanding {
	return &understanding{yes: newPhrases(w.Yes), no: newPhrases(w.No), unsure: newPhrases(w.Unsure), polite: newPhrases(w.Polite)}
}

// words splits typed text into words without its polite particles, unless
// it is nothing but those.
func (u *understanding) words(text string) []token {
	all := tokens(text)
	kept := make([]token, 0, len(all))
	for _, t := range all {
		if !anyIn(u.polite, []token{t}) {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		return all
	}
	return kept
}

// maxAnswerWords bounds a typed answer: a longer text is a question or a
// story, for a volunteer, not an answer.
const maxAnswerWords = 12

// yesNo reads a typed yes/no answer. Doubt wins over everything ("không
// biết", "chắc vậy"). A no negates the yes-words after it, as Vietnamese
// negation does ("không có", "chưa nhận được", "sai rồi"), but a yes-word
// before the first no makes the answer unclear ("yes and no").
func (u *understanding) yesNo(text string) (yes, ok bool) {
	words := u.words(text)
	if len(words) == 0 || len(words) > maxAnswerWords || anyIn(u.unsure, words) {
		return false, false
	}
	firstYes, firstNo := firstIn(u.yes, words), firstIn(u.no, words)
	switch {
	case firstNo >= 0 && firstYes >= 0 && firstYes < firstNo:
		return false, false
	case firstNo >= 0:
		return false, true
	case firstYes >= 0:
		return true, true
	}
	return false, false
}

// label reports whether typed text is a button's label, give or take
// case, diacritics, punctuation and emoji.
func isLabel(text string, label Text) bool {
	typed := tokens(text)
	if len(typed) == 0 {
		return false
	}
	for _, l := range label {
		words := tokens(l)
		if len(words) != len(typed) {
			continue
		}
		same := true
		for i := range words {
			same = same && typed[i].matches(words[i])
		}
		if same {
			return true
		}
	}
	return false
}

// option reads a typed one-of answer: the option whose label or one of
// whose words the text holds. Text that fits two options fits none.
func (u *understanding) option(text string, options []Option) (int, bool) {
	words := u.words(text)
	if len(words) == 0 || len(words) > maxAnswerWords || anyIn(u.unsure, words) {
		return 0, false
	}
	found := -1
	for i, o := range options {
		var candidates []string
		candidates = append(candidates, o.Value)
		for _, l := range o.Label {
			candidates = append(candidates, l)
		}
		for _, ws := range o.Words {
			candidates = append(candidates, ws...)
		}
		if !anyIn(newPhrases(candidates), words) {
			continue
		}
		if found >= 0 {
			return 0, false
		}
		found = i
	}
	return found, found >= 0
}

// WordLister gives a key's words in every language: the locale catalog.
type WordLister interface {
	List(key string) []string
}

// WordsFrom reads the typed-answer words from the locale catalog: keys
// answer.yes, answer.no, answer.unsure and answer.polite.
func WordsFrom(c WordLister) Words {
	return Words{Yes: c.List("answer.yes"), No: c.List("answer.no"), Unsure: c.List("answer.unsure"), Polite: c.List("answer.polite")}
}
