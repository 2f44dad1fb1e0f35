package privacy

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Secrets after a keyword ("mật khẩu của bác là abc123", "mk: abc123",
// "mã OTP là 4829") are found by a small tokenizer rather than one regular
// expression: find a keyword, skip filler words ("của bác", "VNeID") and
// separators ("là", ":"), then look at the next whitespace-delimited token
// and mask it if it is a secret.

// rule says how sure a keyword is that a secret follows it.
type rule int

const (
	// strong keywords ("mật khẩu", "password") take any token of three
	// characters or more after a separator ("là", ":"), and a token that
	// looks like a secret without one.
	strong rule = iota
	// weak keywords have other meanings too ("mk" is also teenage
	// shorthand for "mình", "pass" for "hand over"): they take any token
	// of three characters or more after ":" or "=", and only a token that
	// looks like a secret otherwise.
	weak
	// pin is "pin", which is also a battery ("điện thoại hết pin",
	// "pin 50%"): it takes a token with a digit after a separator, and
	// only a bare 4- to 6-digit number without one.
	pin
	// otp keywords ("OTP", "mã xác thực") take four to eight digits.
	otp
)

// keyword is a word or a phrase that announces a secret.
type keyword struct {
	words []string // lower case, with diacritics where the word has them
	// exact keywords match their words as written or without diacritics
	// ("mã pin", "ma pin"), not with other diacritics ("mà pin", "but the
	// battery"). Other keywords match with any diacritics ("mặt khẩu", a
	// slip for "mật khẩu").
	exact  bool
	rule   rule
	kind   Kind
	folded []string // words, folded (set by keywordsByFirst)
}

// keywords are the words and phrases after which a secret may follow.
var keywords = []keyword{
	{words: []string{"mật", "khẩu"}, rule: strong, kind: Password},
	{words: []string{"mậtkhẩu"}, rule: strong, kind: Password},
	{words: []string{"password"}, rule: strong, kind: Password},
	{words: []string{"passcode"}, rule: strong, kind: Password},
	{words: []string{"passwd"}, rule: strong, kind: Password},
	{words: []string{"pwd"}, rule: strong, kind: Password},
	{words: []string{"mật", "mã"}, exact: true, rule: strong, kind: Password},
	{words: []string{"mã", "bí", "mật"}, exact: true, rule: strong, kind: Password},
	{words: []string{"mã", "bảo", "mật"}, exact: true, rule: strong, kind: Password},
	{words: []string{"mã", "pin"}, exact: true, rule: strong, kind: Password},
	{words: []string{"cvv"}, rule: strong, kind: Password},
	{words: []string{"cvc"}, rule: strong, kind: Password},
	{words: []string{"mk"}, rule: weak, kind: Password},
	{words: []string{"pass"}, rule: weak, kind: Password},
	{words: []string{"pw"}, rule: weak, kind: Password},
	{words: []string{"pin"}, rule: pin, kind: Password},
	{words: []string{"otp"}, rule: otp, kind: OTP},
	{words: []string{"mã", "xác", "thực"}, exact: true, rule: otp, kind: OTP},
	{words: []string{"mã", "xác", "nhận"}, exact: true, rule: otp, kind: OTP},
	{words: []string{"mã", "xác", "minh"}, exact: true, rule: otp, kind: OTP},
	{words: []string{"mã", "kích", "hoạt"}, exact: true, rule: otp, kind: OTP},
	{words: []string{"verification", "code"}, rule: otp, kind: OTP},
}

// keywordsByFirst indexes keywords by their first word, folded; longer
// phrases first.
var keywordsByFirst = func() map[string][]keyword {
	byFirst := map[string][]keyword{}
	for _, kw := range keywords {
		for _, w := range kw.words {
			kw.folded = append(kw.folded, fold(w))
		}
		first := kw.folded[0]
		byFirst[first] = append(byFirst[first], kw)
	}
	for _, list := range byFirst {
		for i := 1; i < len(list); i++ {
			for j := i; j > 0 && len(list[j].words) > len(list[j-1].words); j-- {
				list[j], list[j-1] = list[j-1], list[j]
			}
		}
	}
	return byFirst
}()

// fillers are the words, folded, that may stand between a keyword and its
// separator or secret: whose ("của bác", "cua toi", "my"), which app or
// service ("VNeID", "ngân hàng", "ứng dụng", "tài khoản", "đăng nhập",
// "app", "bank", "wifi"), which one ("mới", "cũ", "new", "old"). It is a
// closed list: a word not on it ends the search, so that "mật khẩu thì
// bác quên rồi" is left alone.
var fillers = setOf(
	// Whose.
	"cua", "bac", "toi", "chau", "em", "minh", "anh", "chi", "co", "chu", "ong", "ba",
	"me", "bo", "con", "nha", "ban", "tui", "tao", "gia", "dinh",
	"my", "your", "his", "her", "our", "their", "the", "a", "of", "for", "to",
	// Which app or service.
	"vneid", "ngan", "hang", "ung", "dung", "app", "apps", "bank", "banking", "tai", "khoan",
	"dang", "nhap", "login", "account", "dich", "vu", "cong", "dvc", "the", "atm", "vi",
	"dien", "tu", "so", "sim", "wifi", "wi", "fi", "zalo", "facebook", "fb", "messenger",
	"gmail", "email", "mail", "icloud", "apple", "google", "id", "momo", "zalopay",
	"vnpay", "viettel", "vinaphone", "mobifone", "vssid", "etax", "thue", "bhxh",
	"vietcombank", "vcb", "vietinbank", "agribank", "bidv", "techcombank", "tcb", "mbbank",
	"mb", "acb", "tpbank", "vpbank", "sacombank", "shb", "hdbank", "ocb", "may", "tinh",
	"dien", "thoai", "phone", "iphone", "laptop", "code", "number", "cap", "hai",
	"lop", "web", "website", "trang", "tin", "card", "debit", "credit", "visa",
	"mastercard",
	// Which one.
	"moi", "cu", "new", "old", "current", "hien", "tai", "nay", "do", "ay",
)

// separatorWords are the words, folded, between a keyword and its secret:
// "mật khẩu là abc", "password is abc".
var separatorWords = setOf("la", "is", "was")

// notSecrets are the words, folded, that follow a keyword in ordinary
// sentences, and are never taken for a secret: "mật khẩu không đúng",
// "bác quên mật khẩu rồi", "mật khẩu là gì", "password incorrect".
var notSecrets = setOf(
	// Vietnamese.
	"khong", "ko", "k", "kg", "hong", "hok", "hem", "chua", "dung", "sai", "roi", "bi", "khoa",
	"quen", "doi", "moi", "cu", "gi", "j", "sao", "nao", "the", "lai", "duoc", "dc", "het",
	"han", "nhap", "vao", "do", "day", "kia", "nay", "a", "nhe", "nha", "vay", "u", "oi",
	"di", "va", "hay", "hoac", "cung", "van", "con", "nua", "giup", "gium", "voi", "xong",
	"nhu", "nhung", "mot", "cac", "hai", "ba", "bon", "nam", "sau", "so", "chu", "ky", "ki",
	"tu", "ngay", "sinh", "ten", "phai", "can", "muon", "biet", "hieu", "nho", "lam",
	"cach", "tao", "lay", "lap", "cai", "dat", "huong", "dan", "hoi", "bao", "nhieu",
	"may", "gui", "nhan", "thay", "xem", "o", "dau", "ai", "gom", "co", "it", "nhat",
	"da", "la", "cua", "cho", "de", "len", "xuong", "ra", "khi", "neu", "thi", "ma", "vi",
	"nen", "tren", "duoi", "trong", "ngoai", "qua", "rat", "lan", "chi", "toan", "that",
	"manh", "yeu", "dai", "ngan", "giong", "khac", "cung", "luon", "cam", "on", "xin",
	"vang", "da", "ua", "hic", "huhu", "ong", "bac", "chau", "em", "anh", "toi", "minh",
	"day", "thoi", "thu", "sua", "bo", "mat", "khau", "ma", "pin", "otp", "dien", "thoai",
	"sac", "yeu", "tot", "xau", "dang", "moi", "gio", "chuyen", "tien", "khoan", "tai",
	"truong", "thuong", "nguoi", "nguyen", "khuyen", "nghieng", "duong", "phuong",
	// English.
	"is", "was", "not", "no", "yes", "ok", "okay", "wrong", "incorrect", "invalid",
	"expired", "reset", "forgot", "forgotten", "lost", "please", "pls", "plz", "again",
	"change", "changed", "changing", "update", "updated", "required", "needed", "missing",
	"empty", "manager", "recovery", "recover", "policy", "strength", "length", "hint",
	"field", "screen", "prompt", "protected", "locked", "blocked", "weak", "strong", "short",
	"long", "same", "different", "correct", "valid", "saved", "stored", "sent", "hidden",
	"secret", "private", "important", "used", "set", "fine", "good", "bad", "easy", "hard",
	"simple", "still", "now", "also", "only", "just", "very", "really", "here", "there",
	"below", "above", "attached", "mine", "what", "how", "why", "where", "when", "which",
	"who", "the", "a", "an", "my", "your", "and", "or", "but", "that", "this", "it", "in",
	"on", "at", "for", "to", "of", "with", "should", "must", "will", "would", "could",
	"can", "cannot", "does", "did", "has", "have", "had", "doesnt", "didnt", "isnt",
	"wasnt", "wont", "cant", "accepted", "rejected", "working", "works", "work", "help",
	"requirements", "rules", "characters", "digits", "letters", "entered", "typed",
	"reminder", "expires", "expiry", "request", "requested", "link", "email", "mail",
	"sms", "message", "code", "number", "login", "account", "problem", "issue", "error",
	"failed", "failure", "doesn", "didn", "isn", "wasn", "won", "can't", "don't", "dont",
	"protection", "settings", "setting", "option", "options", "generator", "too", "so",
	"being", "been", "shown", "displayed", "visible", "unknown", "unchanged", "blank",
	"sensitive", "case", "right", "wrong", "be", "are", "were", "you", "me", "we", "they",
	// Vietnamese, after "là".
	"tai", "boi", "kha", "bat", "buoc", "rieng", "de", "kho", "an", "giu", "kin", "mat",
	"bi", "gom", "nhu", "theo", "tiep", "truoc", "sau", "cuoi", "dau", "tien", "hoa",
	"thuong", "ngay", "thang", "ten", "ho", "dem", "sang",
)

// setOf makes a set of words.
func setOf(words ...string) map[string]bool {
	set := make(map[string]bool, len(words))
	for _, w := range words {
		set[w] = true
	}
	return set
}

// fold lowers a word and strips its diacritics: "Khẩu" becomes "khau",
// "Đăng" becomes "dang".
func fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf || 'A' <= w[i] && w[i] <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(unicode.ToLower(r))
		case latinBase[r] != 0:
			b.WriteByte(latinBase[r])
		case unicode.Is(unicode.Mn, r):
			// a combining mark: a diacritic
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// latinBase maps each Latin letter with diacritics ("ẩ", "Ơ", "đ") to its
// base letter in lower case ('a', 'o', 'd').
var latinBase = func() map[rune]byte {
	bases := map[rune]byte{'đ': 'd', 'Đ': 'd'}
	for _, block := range [][2]rune{{0xC0, 0x24F}, {0x1E00, 0x1EFF}} {
		for r := block[0]; r <= block[1]; r++ {
			base, _ := utf8.DecodeRuneInString(norm.NFD.String(string(r)))
			if base = unicode.ToLower(base); base < utf8.RuneSelf && unicode.IsLetter(base) && bases[r] == 0 {
				bases[r] = byte(base)
			}
		}
	}
	return bases
}()

// word is a maximal run of letters, digits and marks in a text.
type word struct {
	start, end int    // byte offsets
	folded     string // see fold
}

// isWordRune reports whether r belongs to a word.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// wordEnd returns the end of the word that starts at s[i:], or i if none
// does.
func wordEnd(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			break
		}
		i += size
	}
	return i
}

// splitWords returns the words of s.
func splitWords(s string) []word {
	var words []word
	for i := 0; i < len(s); {
		if end := wordEnd(s, i); end > i {
			words = append(words, word{start: i, end: end, folded: fold(s[i:end])})
			i = end
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return words
}

// keywordMayFollow reports whether a keyword may start after r, the rune
// before it: at the start of the text, after a space, an opening bracket or
// quote, or punctuation ("Tên: Lan, mk: abc"; "?pass=abc" in a link). Not
// after Masked: "0912345678mk" is one word, and once masked ("••••mk") it
// must not become a keyword, so that masking twice changes nothing.
func keywordMayFollow(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(`([{"'“‘«,;:!?&*`, r)
}

// matchKeyword returns the keyword whose words start at words[i], and how
// many words it spans.
func matchKeyword(s string, words []word, i int) (keyword, int, bool) {
	w := words[i]
	candidates := keywordsByFirst[w.folded]
	if len(candidates) == 0 {
		return keyword{}, 0, false
	}
	if w.start > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:w.start]); !keywordMayFollow(r) {
			return keyword{}, 0, false
		}
	}
next:
	for _, kw := range candidates {
		if i+len(kw.words) > len(words) {
			continue
		}
		for j, want := range kw.words {
			got := words[i+j]
			if j > 0 && strings.TrimSpace(s[words[i+j-1].end:got.start]) != "" {
				continue next // the words of a phrase are apart by spaces only
			}
			if got.folded != kw.folded[j] {
				continue next
			}
			if kw.exact {
				if written := strings.ToLower(s[got.start:got.end]); written != got.folded && written != want {
					continue next
				}
			}
		}
		return kw, len(kw.words), true
	}
	return keyword{}, 0, false
}

// afterKeywords masks the secrets that follow keywords.
func (m *masker) afterKeywords(text string) string {
	words := splitWords(text)
	var b strings.Builder
	kept := 0 // text[:kept] is written to b, or masked
	for i := 0; i < len(words); {
		kw, n, ok := matchKeyword(text, words, i)
		if !ok {
			i++
			continue
		}
		start, end, ok := secretAfter(text, words[i+n-1].end, kw)
		if !ok {
			i += n
			continue
		}
		b.WriteString(text[kept:start])
		b.WriteString(Masked)
		kept = end
		m.found(kw.kind)
		for i < len(words) && words[i].start < end {
			i++
		}
	}
	if kept == 0 {
		return text
	}
	b.WriteString(text[kept:])
	return b.String()
}

// How a secret is set apart from its keyword.
type separation int

const (
	none     separation = iota // "mật khẩu abc123"
	labelled                   // "mật khẩu của ông Tư: abc123": a name the filler list lacks, then ":"
	byWord                     // "mật khẩu là abc123", "password is abc123"
	byMark                     // "mật khẩu: abc123", "pass=abc123"
)

// maxFillers is how many filler words may stand between a keyword and its
// secret ("mật khẩu đăng nhập ứng dụng VNeID của bác là …" has six).
const maxFillers = 6

// maxToken is the length in bytes of the longest token taken for a secret
// or a label word.
const maxToken = 128

// maxLabel is how many words outside the filler list may stand before a
// ":" that ends them ("mật khẩu của ông Tư: …").
const maxLabel = 3

// secretAfter finds the secret that follows a keyword ending at s[pos:], and
// returns its bounds.
func secretAfter(s string, pos int, kw keyword) (start, end int, ok bool) {
	sep, fillerCount := none, 0
	p := pos
	for {
		p = skipSpace(s, p)
		if p >= len(s) {
			return 0, 0, false
		}
		if q := separatorMarkEnd(s, p); q > p {
			if sep != labelled {
				sep = byMark
			}
			p = q
			continue
		}
		if q := wordEnd(s, p); q > p && wordBoundary(s, q) {
			w := fold(s[p:q])
			if keywordsByFirst[w] != nil {
				return 0, 0, false // another keyword: let it speak for itself
			}
			if separatorWords[w] {
				if sep == none {
					sep = byWord
				}
				p = q
				continue
			}
			if sep == none && fillers[w] && fillerCount < maxFillers {
				fillerCount++
				p = q
				continue
			}
		}
		if sep == none {
			if colon := labelEnd(s, p); colon > p {
				sep, p = labelled, separatorMarkEnd(s, colon)
				continue
			}
		}
		break
	}
	if r, _ := utf8.DecodeRuneInString(s[p:]); strings.ContainsRune(clauseEnds, r) {
		return 0, 0, false // "quên mật khẩu, bác…": the sentence moves on
	}
	if kw.rule == otp {
		return otpAfter(s, p)
	}
	start, end = tokenCore(s, p)
	if start == end || !acceptable(s[start:end], kw.rule, sep) {
		return 0, 0, false
	}
	if kw.rule == pin && sep == none && batteryUnits[fold(s[skipSpace(s, end):wordEnd(s, skipSpace(s, end))])] {
		return 0, 0, false // "pin 5000 mAh", "pin 3000 đồng"
	}
	return start, end, true
}

// batteryUnits are the words, folded, that make the number before them a
// battery's, not a PIN: "pin 5000 mAh".
var batteryUnits = setOf("mah", "wh", "w", "v", "h", "gio", "tieng", "phut", "lan", "dong", "d", "k", "nghin", "ngan", "vnd")

// clauseEnds are the punctuation marks that end a clause.
const clauseEnds = ",;.!?)]}"

// skipSpace returns the index of the first non-space at or after s[p:].
func skipSpace(s string, p int) int {
	for p < len(s) {
		r, size := utf8.DecodeRuneInString(s[p:])
		if !unicode.IsSpace(r) {
			break
		}
		p += size
	}
	return p
}

// separatorMarkEnd returns the end of a run of separator marks at s[p:], or
// p if there is none. ":", "=" and arrows separate wherever they are
// ("mk:abc"); dashes only when a space follows ("mk - abc"), as a password
// may begin with one.
func separatorMarkEnd(s string, p int) int {
	q, firm := p, false
	for q < len(s) {
		r, size := utf8.DecodeRuneInString(s[q:])
		if !strings.ContainsRune(":=→⇒->–—", r) {
			break
		}
		firm = firm || strings.ContainsRune(":=→⇒", r)
		q += size
	}
	if q == p || firm {
		return q
	}
	if r, _ := utf8.DecodeRuneInString(s[q:]); q == len(s) || unicode.IsSpace(r) {
		return q
	}
	return p
}

// wordBoundary reports whether a filler or separator word may end at s[q:]:
// at the end, or before a space, a separator mark or a clause end. A word
// followed by something else ("vneid@…", "bác123") is a token.
func wordBoundary(s string, q int) bool {
	if q == len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[q:])
	return unicode.IsSpace(r) || strings.ContainsRune(":=→⇒->–—"+clauseEnds, r)
}

// labelEnd looks at s[p:] for a label: up to maxLabel tokens of letters
// (brackets and quotes allowed), apart by spaces, the last one followed by
// ":" or "=" ("ông Tư: …", "(VNeID): …"). It returns the index of that
// mark, or p.
func labelEnd(s string, p int) int {
	for range maxLabel {
		q, letters := p, 0
		for q < len(s) {
			if q-p >= maxToken {
				return p // no label is that long
			}
			r, size := utf8.DecodeRuneInString(s[q:])
			switch {
			case unicode.IsLetter(r) || unicode.IsMark(r):
				letters++
			case strings.ContainsRune(`()[]"'“”‘’`, r):
			case r == ':' || r == '=':
				if letters == 0 {
					return p
				}
				return q
			default:
				if r != ' ' && r != '\t' {
					return p
				}
			}
			if r == ' ' || r == '\t' {
				break
			}
			q += size
		}
		for q < len(s) && (s[q] == ' ' || s[q] == '\t') {
			q++
		}
		if q < len(s) && (s[q] == ':' || s[q] == '=') && letters > 0 {
			return q // "ông Tư : …"
		}
		if q == p || letters == 0 {
			return p
		}
		p = q
	}
	return p
}

// tokenCore returns the bounds of the whitespace-delimited token at s[p:],
// without opening quotes and brackets before it or closing punctuation after
// it (when something is left): in "mật khẩu là abc123." the secret is
// "abc123". An exclamation mark stays in: passwords often end with one.
//
// A token longer than maxToken bytes is no typed secret: tokenCore returns
// empty bounds for it (and so reads a bounded stretch of text for each
// keyword, however long the text and however many keywords it holds).
func tokenCore(s string, p int) (start, end int) {
	end = p
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if unicode.IsSpace(r) {
			break
		}
		if end-p >= maxToken {
			return p, p
		}
		end += size
	}
	start = p
	for start < end {
		r, size := utf8.DecodeRuneInString(s[start:end])
		if !strings.ContainsRune(`"'“‘«([{<`, r) || start+size == end {
			break
		}
		start += size
	}
	for end > start {
		r, size := utf8.DecodeLastRuneInString(s[start:end])
		if !strings.ContainsRune(`.,;?)]}>"'”’»`, r) || end-size == start {
			break
		}
		end -= size
	}
	return start, end
}

// otpDigits matches the digits of a code at the start of a text, grouped as
// digitRunPattern groups them: "482913", "482 913".
var otpDigits = regexp.MustCompile(`^\d(?:[ .\-]?\d)*`)

// otpAfter returns the bounds of a four- to eight-digit code at s[p:].
// Longer runs are left to the number rules, which know phones and cards.
func otpAfter(s string, p int) (start, end int, ok bool) {
	m := otpDigits.FindString(s[p:])
	if m == "" {
		return 0, 0, false
	}
	end = p + len(m)
	if r, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && isWordRune(r) {
		return 0, 0, false // "otp 1234abc"
	}
	if n := countDigits(m); n < 4 || n > 8 {
		return 0, 0, false
	}
	return p, end, true
}

// countDigits counts the ASCII digits in s.
func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// shape is what a token is made of.
type shape struct {
	runes, letters, digits, symbols int
	apostrophes, hyphens            int
	nonASCII                        bool
}

// shapeOf counts the kinds of rune in a token.
func shapeOf(token string) shape {
	var sh shape
	for _, r := range token {
		sh.runes++
		sh.nonASCII = sh.nonASCII || r >= utf8.RuneSelf
		switch {
		case unicode.IsLetter(r) || unicode.IsMark(r):
			sh.letters++
		case unicode.IsDigit(r):
			sh.digits++
		case r == '\'' || r == '’':
			sh.apostrophes++
		case r == '-':
			sh.hyphens++
		default:
			sh.symbols++
		}
	}
	return sh
}

// vietnameseSyllable matches one Vietnamese syllable written without
// diacritics: "chuyen", "truong", "nghieng". Six letters of plain text that
// make one syllable are a word, not a password.
var vietnameseSyllable = regexp.MustCompile(`^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ng|nh|ch|[cmnpt])?$`)

// acceptable decides whether a token after a keyword is a secret.
func acceptable(token string, r rule, sep separation) bool {
	if strings.Contains(token, "•") {
		return false // masked already
	}
	sh := shapeOf(token)
	if sh.letters+sh.digits == 0 {
		return false // "***", "--"
	}
	folded := fold(strings.Trim(token, `!:'’-`))
	if notSecrets[folded] || fillers[folded] || keywordsByFirst[folded] != nil {
		return false
	}
	switch r {
	case pin:
		if sep == none {
			return sh.digits == sh.runes && sh.runes >= 4 && sh.runes <= 6 // "PIN 1234"
		}
		return sh.digits > 0 && sh.runes >= 3 && !strings.HasSuffix(token, "%") && (sep != labelled || looksSecret(sh, folded))
	case weak:
		switch sep {
		case byMark:
			return sh.runes >= 3 // not "mk :D"
		case byWord, labelled:
			return looksSecret(sh, folded)
		}
		return sh.letters > 0 && sh.digits > 0 || // "mk abc123"
			sh.symbols > 0 && sh.runes >= 4 || // "pass Hoa@1950"
			sh.digits >= 6 && sh.digits == sh.runes // "pass wifi 12345678"
	default: // strong
		switch sep {
		case byMark, byWord:
			// "mật khẩu là 6 số": a password has more than two characters.
			return sh.runes >= 3
		}
		return looksSecret(sh, folded)
	}
}

// looksSecret reports whether a token after a keyword, with no separator
// between them, looks like a secret: it has a digit or a symbol, or it is a
// run of six letters or more that is no common word.
func looksSecret(sh shape, folded string) bool {
	switch {
	case sh.runes < 4:
		return false
	case sh.digits > 0 || sh.symbols > 0:
		return true
	case sh.apostrophes > 0 || sh.nonASCII:
		return false // "doesn't"; a Vietnamese word with its diacritics
	}
	return sh.letters >= 6 && !vietnameseSyllable.MatchString(folded)
}
