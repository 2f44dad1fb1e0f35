// Package places holds the communes and wards (xã, phường) residents can
// say they live in, read from a tab-separated file: code, kind, name, one
// per line, with # comment lines. The built-in list is Thanh Hóa's 166
// units since 1 July 2025; organizers can point COMMUNES_FILE at another.
package places

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"sort"
	"strings"
)

//go:embed thanh-hoa-communes.tsv
var thanhHoa []byte

// Commune is one commune-level unit.
type Commune struct {
	Code string // statistics-office code
	Kind string // "xã", "phường" or "đặc khu"
	Name string // without the kind, e.g. "Thọ Xuân"
}

// Label is the unit as people say it, e.g. "Xã Thọ Xuân".
func (c Commune) Label() string {
	if c.Kind == "" {
		return c.Name
	}
	return strings.ToUpper(c.Kind[:1]) + c.Kind[1:] + " " + c.Name
}

// List is a set of communes, searchable by name.
type List struct {
	all    []Commune
	byCode map[string]Commune
	folded []string // folded names, parallel to all
}

// Default returns the built-in list (Thanh Hóa).
func Default() *List {
	l, err := Load(bytes.NewReader(thanhHoa))
	if err != nil {
		panic(fmt.Sprintf("places: the built-in list does not load: %v", err)) // a test guards this
	}
	return l
}

// Load reads a list: "code<TAB>kind<TAB>name" lines; blank lines and lines
// starting with # are skipped. Codes must be unique.
func Load(r io.Reader) (*List, error) {
	l := &List{byCode: map[string]Commune{}}
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; scanner.Scan(); n++ {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		if len(fields) != 3 || strings.TrimSpace(fields[0]) == "" || strings.TrimSpace(fields[2]) == "" {
			return nil, fmt.Errorf("places: line %d: want code<TAB>kind<TAB>name", n)
		}
		c := Commune{Code: strings.TrimSpace(fields[0]), Kind: strings.TrimSpace(fields[1]), Name: strings.TrimSpace(fields[2])}
		if _, dup := l.byCode[c.Code]; dup {
			return nil, fmt.Errorf("places: line %d: code %s appears twice", n, c.Code)
		}
		l.byCode[c.Code] = c
		l.all = append(l.all, c)
		l.folded = append(l.folded, Fold(c.Name))
	}
	if err := scanner.Err(); err != nil {
		return nil, fmt.Errorf("places: read: %w", err)
	}
	if len(l.all) == 0 {
		return nil, fmt.Errorf("places: the list is empty")
	}
	return l, nil
}

// Len is the number of communes.
func (l *List) Len() int { return len(l.all) }

// Get returns the commune with the code.
func (l *List) Get(code string) (Commune, bool) {
	c, ok := l.byCode[code]
	return c, ok
}

// Search finds up to limit communes whose name contains the query, with or
// without diacritics and the kind ("xã Thọ Xuân", "tho xuan"); names that
// start with it come first, then by name.
func (l *List) Search(query string, limit int) []Commune {
	q := Fold(query)
	for _, kind := range []string{"xa ", "phuong ", "dac khu "} {
		q = strings.TrimPrefix(q, kind)
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	type hit struct {
		c      Commune
		prefix bool
	}
	var hits []hit
	for i, name := range l.folded {
		if strings.Contains(name, q) {
			hits = append(hits, hit{l.all[i], strings.HasPrefix(name, q)})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].prefix != hits[j].prefix {
			return hits[i].prefix
		}
		return hits[i].c.Name < hits[j].c.Name
	})
	out := make([]Commune, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, h.c)
	}
	return out
}

// vietnamese maps each accented Vietnamese letter to its base letter.
var vietnamese = func() map[rune]rune {
	groups := map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ", 'e': "èéẻẽẹêềếểễệ", 'i': "ìíỉĩị", 'o': "òóỏõọôồốổỗộơờớởỡợ",
		'u': "ùúủũụưừứửữự", 'y': "ỳýỷỹỵ", 'd': "đ",
	}
	m := map[rune]rune{}
	for base, letters := range groups {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()

// Fold lowercases s and strips Vietnamese diacritics, so that "Thọ Xuân"
// and "tho xuan" compare equal; runs of spaces become one.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if base, ok := vietnamese[r]; ok {
			r = base
		}
		b.WriteRune(r)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
