package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file holds a small JSON reader for reply_markup, which the fake
// inspects on every send and edit. Decoding it with encoding/json into maps
// (to validate the buttons) and into `any` (to re-encode it canonically)
// made markup handling the fake's largest cost. parseJSON reads the text
// once into a light tree; the tree answers the validation's questions and
// reproduces, byte for byte, what encoding/json gives when it decodes the
// text into an `any` and marshals that again.

// maxJSONDepth is encoding/json's nesting limit: deeper documents are
// invalid.
const maxJSONDepth = 10000

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonTrue
	jsonFalse
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonValue is a parsed JSON value.
type jsonValue struct {
	kind jsonKind
	raw  []byte // source text of the value, without surrounding space
	str  string // decoded text of a string
	// keys are the member names of an object in source order, duplicates
	// included; elems are the object's member values (parallel to keys)
	// or an array's elements.
	keys  []string
	elems []jsonValue
}

// parseJSON parses a JSON document. It accepts exactly what encoding/json
// accepts; string escapes are decoded by encoding/json itself.
func parseJSON(data []byte) (jsonValue, error) {
	p := jsonParser{data: data}
	p.skipSpace()
	v, err := p.value()
	if err != nil {
		return jsonValue{}, err
	}
	p.skipSpace()
	if p.pos != len(data) {
		return jsonValue{}, p.errorf("data after the top-level value")
	}
	return v, nil
}

// jsonParser is the state of parseJSON.
type jsonParser struct {
	data  []byte
	pos   int
	depth int
	// keys and elems collect the members of the containers being read;
	// each container gets an exactly sized copy of its own when it ends.
	keys  []string
	elems []jsonValue
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// next returns the byte at the current position, 0 at the end.
func (p *jsonParser) next() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *jsonParser) value() (jsonValue, error) {
	start := p.pos
	switch c := p.next(); {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		return jsonValue{kind: jsonString, raw: p.data[start:p.pos], str: s}, err
	case c == '-' || '0' <= c && c <= '9':
		err := p.number()
		return jsonValue{kind: jsonNumber, raw: p.data[start:p.pos]}, err
	case c == 0 && p.pos == len(p.data):
		return jsonValue{}, p.errorf("unexpected end of input")
	}
	for _, lit := range [...]struct {
		text string
		kind jsonKind
	}{{"null", jsonNull}, {"true", jsonTrue}, {"false", jsonFalse}} {
		if bytes.HasPrefix(p.data[p.pos:], []byte(lit.text)) {
			p.pos += len(lit.text)
			return jsonValue{kind: lit.kind, raw: p.data[start:p.pos]}, nil
		}
	}
	return jsonValue{}, p.errorf("unexpected character %q", p.next())
}

// enter counts one more level of nesting.
func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.errorf("exceeded max depth")
	}
	return nil
}

func (p *jsonParser) object() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	start, base, keyBase := p.pos, len(p.elems), len(p.keys)
	v := jsonValue{kind: jsonObject}
	p.pos++ // '{'
	p.skipSpace()
	if p.next() == '}' {
		p.pos++
		p.depth--
		v.raw = p.data[start:p.pos]
		return v, nil
	}
	for {
		p.skipSpace()
		if p.next() != '"' {
			return jsonValue{}, p.errorf("object member name expected")
		}
		key, err := p.string()
		if err != nil {
			return jsonValue{}, err
		}
		p.skipSpace()
		if p.next() != ':' {
			return jsonValue{}, p.errorf("':' expected after object member name")
		}
		p.pos++
		p.skipSpace()
		elem, err := p.value()
		if err != nil {
			return jsonValue{}, err
		}
		p.keys = append(p.keys, key)
		p.elems = append(p.elems, elem)
		p.skipSpace()
		switch p.next() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			v.raw = p.data[start:p.pos]
			v.keys, v.elems = takeScratch(&p.keys, keyBase), takeScratch(&p.elems, base)
			return v, nil
		default:
			return jsonValue{}, p.errorf("',' or '}' expected after object member")
		}
	}
}

func (p *jsonParser) array() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	start, base := p.pos, len(p.elems)
	v := jsonValue{kind: jsonArray}
	p.pos++ // '['
	p.skipSpace()
	if p.next() == ']' {
		p.pos++
		p.depth--
		v.raw = p.data[start:p.pos]
		return v, nil
	}
	for {
		p.skipSpace()
		elem, err := p.value()
		if err != nil {
			return jsonValue{}, err
		}
		p.elems = append(p.elems, elem)
		p.skipSpace()
		switch p.next() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			v.raw = p.data[start:p.pos]
			v.elems = takeScratch(&p.elems, base)
			return v, nil
		default:
			return jsonValue{}, p.errorf("',' or ']' expected after array element")
		}
	}
}

// takeScratch returns a copy of what was collected in *scratch since it
// had length base, and drops it from *scratch.
func takeScratch[T any](scratch *[]T, base int) []T {
	taken := slices.Clone((*scratch)[base:])
	*scratch = (*scratch)[:base]
	return taken
}

// string reads a string literal and returns its decoded text. Literals
// with escapes or invalid UTF-8 are decoded (and their escapes validated)
// by encoding/json.
func (p *jsonParser) string() (string, error) {
	start := p.pos
	p.pos++ // opening quote
	plain := true
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; {
		case c == '"':
			p.pos++
			lit := p.data[start:p.pos]
			if plain {
				return internString(lit[1 : len(lit)-1]), nil
			}
			var s string
			if err := json.Unmarshal(lit, &s); err != nil {
				return "", fmt.Errorf("invalid JSON string at offset %d: %w", start, err)
			}
			return s, nil
		case c == '\\':
			plain = false
			p.pos = min(p.pos+2, len(p.data)) // the escaped byte, validated later
		case c < ' ':
			return "", p.errorf("control character in string literal")
		case c < utf8.RuneSelf:
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.data[p.pos:])
			if r == utf8.RuneError && size == 1 {
				plain = false
			}
			p.pos += size
		}
	}
	return "", p.errorf("unterminated string literal")
}

// internString returns b as a string, without allocating for the member
// names every keyboard repeats.
func internString(b []byte) string {
	switch string(b) {
	case "text":
		return "text"
	case "callback_data":
		return "callback_data"
	case "url":
		return "url"
	case "copy_text":
		return "copy_text"
	}
	return string(b)
}

// number reads a number literal: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() error {
	if p.next() == '-' {
		p.pos++
	}
	switch c := p.next(); {
	case c == '0':
		p.pos++
	case '1' <= c && c <= '9':
		p.digits()
	default:
		return p.errorf("digit expected in number")
	}
	if p.next() == '.' {
		p.pos++
		if !p.digits() {
			return p.errorf("digit expected after decimal point")
		}
	}
	if c := p.next(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.next(); c == '+' || c == '-' {
			p.pos++
		}
		if !p.digits() {
			return p.errorf("digit expected in exponent")
		}
	}
	return nil
}

// digits skips a run of decimal digits and reports whether there was one.
func (p *jsonParser) digits() bool {
	start := p.pos
	for c := p.next(); '0' <= c && c <= '9'; c = p.next() {
		p.pos++
	}
	return p.pos > start
}

// member returns the value of the last member named name, the one that
// decoding the object into a map keeps. Null has no members.
func (v *jsonValue) member(name string) (*jsonValue, bool) {
	for i := len(v.keys) - 1; i >= 0; i-- {
		if v.keys[i] == name {
			return &v.elems[i], true
		}
	}
	return nil, false
}

// appendCanonical appends what encoding/json's Marshal produces for the
// result of decoding v into an `any`: objects keep the last of duplicate
// names and are sorted by name, numbers become float64, strings are
// re-escaped.
func (v *jsonValue) appendCanonical(dst []byte) []byte {
	switch v.kind {
	case jsonNull:
		return append(dst, "null"...)
	case jsonTrue:
		return append(dst, "true"...)
	case jsonFalse:
		return append(dst, "false"...)
	case jsonNumber:
		return appendCanonicalNumber(dst, v.raw)
	case jsonString:
		return appendJSONString(dst, v.str)
	case jsonArray:
		dst = append(dst, '[')
		for i := range v.elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = v.elems[i].appendCanonical(dst)
		}
		return append(dst, ']')
	default:
		dst = append(dst, '{')
		var buf [16]int
		for i, m := range v.memberOrder(buf[:0]) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, v.keys[m])
			dst = append(dst, ':')
			dst = v.elems[m].appendCanonical(dst)
		}
		return append(dst, '}')
	}
}

// memberOrder returns the indices of the members decoding keeps (the last
// of each name), sorted by name, in the storage of order (empty).
func (v *jsonValue) memberOrder(order []int) []int {
	for i := range v.keys {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(v.keys[a], v.keys[b]) })
	kept := order[:0]
	for i, m := range order {
		if i+1 < len(order) && v.keys[order[i+1]] == v.keys[m] {
			continue // a later member of the same name wins
		}
		kept = append(kept, m)
	}
	return kept
}

// appendCanonicalNumber appends a number literal as a float64 marshals.
// Integers of up to 15 digits are exact in a float64 and marshal to their
// own text; other literals take the round trip through encoding/json.
func appendCanonicalNumber(dst, lit []byte) []byte {
	digits := bytes.TrimPrefix(lit, []byte("-"))
	if len(digits) <= 15 && !slices.ContainsFunc(digits, func(c byte) bool { return c < '0' || c > '9' }) {
		return append(dst, lit...)
	}
	var f any
	_ = json.Unmarshal(lit, &f) // out of float64 range: f stays nil, as in a decoded document
	return append(dst, mustJSON(f)...)
}
