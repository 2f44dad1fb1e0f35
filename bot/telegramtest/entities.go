package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file turns formatted text (parse_mode HTML, MarkdownV2, Markdown)
// into the plain text a user would see, refusing what the real API refuses
// with "can't parse entities". The rules follow TDLib's parsers closely
// enough for the mistakes bots actually make (unescaped '<', '.', '-', '!',
// unclosed or mismatched tags); error texts mirror the real ones.

// plainText applies parse_mode to text.
func plainText(text, parseMode string) (string, *apiError) {
	var (
		out string
		err error
	)
	switch strings.ToLower(parseMode) {
	case "":
		return text, nil
	case "html":
		out, err = parseHTML(text)
	case "markdownv2":
		out, err = parseMarkdownV2(text)
	case "markdown":
		out, err = parseMarkdown(text)
	default:
		return "", badRequest("unsupported parse_mode")
	}
	if err != nil {
		return "", badRequest("can't parse entities: " + err.Error())
	}
	return out, nil
}

// htmlTags are the tags the Bot API accepts in HTML mode. Tags starting
// with "tg-" are accepted too, so that newer API additions are not refused.
var htmlTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "code": true, "pre": true,
	"blockquote": true, "tg-spoiler": true, "tg-emoji": true,
}

func parseHTML(text string) (string, error) {
	var out strings.Builder
	var stack []string
	for i := 0; i < len(text); {
		switch text[i] {
		case '&':
			if s, n := htmlEntity(text[i:]); n > 0 {
				out.WriteString(s)
				i += n
				continue
			}
			out.WriteByte('&')
			i++
		case '<':
			start := i
			i++
			if i < len(text) && text[i] == '/' {
				i++
				j := strings.IndexByte(text[i:], '>')
				if j < 0 {
					return "", fmt.Errorf("Unclosed end tag at byte offset %d", start)
				}
				name := strings.ToLower(strings.TrimSpace(text[i : i+j]))
				i += j + 1
				if len(stack) == 0 {
					return "", fmt.Errorf("Unexpected end tag at byte offset %d", start)
				}
				top := stack[len(stack)-1]
				if name != "" && name != top {
					return "", fmt.Errorf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", start, top, name)
				}
				stack = stack[:len(stack)-1]
				continue
			}
			j := i
			for j < len(text) && isTagNameChar(text[j]) {
				j++
			}
			name := strings.ToLower(text[i:j])
			if !htmlTags[name] && !strings.HasPrefix(name, "tg-") {
				return "", fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, start)
			}
			attrs, n, err := parseHTMLAttrs(text[j:], start)
			if err != nil {
				return "", err
			}
			i = j + n
			if name == "span" && attrs["class"] != "tg-spoiler" {
				return "", fmt.Errorf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", start)
			}
			stack = append(stack, name)
		default:
			out.WriteByte(text[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1])
	}
	return out.String(), nil
}

func isTagNameChar(c byte) bool {
	return c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// parseHTMLAttrs parses attributes up to and including '>' and returns
// them with the number of bytes consumed.
func parseHTMLAttrs(s string, tagStart int) (map[string]string, int, error) {
	attrs := map[string]string{}
	i := 0
	for {
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return nil, 0, fmt.Errorf("Unclosed start tag at byte offset %d", tagStart)
		}
		if s[i] == '>' {
			return attrs, i + 1, nil
		}
		j := i
		for j < len(s) && (isTagNameChar(s[j]) || s[j] == '_') {
			j++
		}
		if j == i {
			return nil, 0, fmt.Errorf("Empty attribute name in the tag at byte offset %d", tagStart)
		}
		name := strings.ToLower(s[i:j])
		i = j
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '=' {
			attrs[name] = ""
			continue
		}
		i++
		for i < len(s) && isHTMLSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return nil, 0, fmt.Errorf("Unclosed start tag at byte offset %d", tagStart)
		}
		var val string
		if q := s[i]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				return nil, 0, fmt.Errorf("Unclosed start tag at byte offset %d", tagStart)
			}
			val = s[i+1 : i+1+end]
			i += end + 2
		} else {
			j := i
			for j < len(s) && !isHTMLSpace(s[j]) && s[j] != '>' {
				j++
			}
			val = s[i:j]
			i = j
		}
		decoded, _ := parseHTML(val) // entities in attribute values
		attrs[name] = decoded
	}
}

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// htmlEntity decodes a supported HTML entity at the start of s. Unknown
// entities are left as text, as the real API does.
func htmlEntity(s string) (string, int) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return "", 0
	}
	name := s[1:end]
	switch name {
	case "lt":
		return "<", end + 1
	case "gt":
		return ">", end + 1
	case "amp":
		return "&", end + 1
	case "quot":
		return "\"", end + 1
	}
	if name[0] == '#' {
		var (
			n   uint64
			err error
		)
		if len(name) > 1 && (name[1] == 'x' || name[1] == 'X') {
			n, err = strconv.ParseUint(name[2:], 16, 32)
		} else {
			n, err = strconv.ParseUint(name[1:], 10, 32)
		}
		if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
			return "", 0
		}
		return string(rune(n)), end + 1
	}
	return "", 0
}

// mdEntity is an open MarkdownV2 entity.
type mdEntity struct {
	kind   string // TDLib type name, used in error messages
	offset int    // byte offset of the opening marker
	begin  int    // length of the output when the entity opened
}

const mdReserved = "_*[]()~`>#+-=|{}.!"

func parseMarkdownV2(text string) (string, error) {
	var out strings.Builder
	var stack []mdEntity
	at := func(i int) byte {
		if i < len(text) {
			return text[i]
		}
		return 0
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
			i++
			out.WriteByte(text[i])
			continue
		}
		reserved := mdReserved
		if n := len(stack); n > 0 && (stack[n-1].kind == "Code" || stack[n-1].kind == "Pre") {
			reserved = "`"
		}
		if !strings.ContainsRune(reserved, rune(c)) {
			out.WriteByte(c)
			continue
		}
		end := false
		if n := len(stack); n > 0 {
			switch stack[n-1].kind {
			case "Bold":
				end = c == '*'
			case "Italic":
				end = c == '_' && at(i+1) != '_'
			case "Underline":
				end = c == '_' && at(i+1) == '_'
			case "Strikethrough":
				end = c == '~'
			case "Spoiler":
				end = c == '|' && at(i+1) == '|'
			case "Code":
				end = c == '`'
			case "Pre":
				end = c == '`' && at(i+1) == '`' && at(i+2) == '`'
			case "TextUrl", "CustomEmoji":
				end = c == ']'
			}
		}
		if end {
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch e.kind {
			case "Underline", "Spoiler":
				i++
			case "Pre":
				i += 2
			case "TextUrl", "CustomEmoji":
				if at(i+1) != '(' {
					if e.kind == "CustomEmoji" {
						return "", fmt.Errorf("Custom emoji entity must contain a tg://emoji URL")
					}
					continue
				}
				urlStart := i + 2
				j := urlStart
				for j < len(text) && text[j] != ')' {
					if text[j] == '\\' && at(j+1) > 0 && at(j+1) <= 126 {
						j++
					}
					j++
				}
				if j >= len(text) {
					return "", fmt.Errorf("Can't find end of a URL at byte offset %d", urlStart)
				}
				i = j
			}
			continue
		}
		// start of an entity
		e := mdEntity{offset: i, begin: out.Len()}
		atLineStart := i == 0 || text[i-1] == '\n'
		switch c {
		case '_':
			if at(i+1) == '_' {
				e.kind = "Underline"
				i++
			} else {
				e.kind = "Italic"
			}
		case '*':
			if atLineStart && at(i+1) == '*' && at(i+2) == '>' {
				i += 2 // expandable block quotation marker
				continue
			}
			e.kind = "Bold"
		case '~':
			e.kind = "Strikethrough"
		case '|':
			if at(i+1) != '|' {
				return "", reservedErr(c)
			}
			i++
			if at(i+1) == 0 || at(i+1) == '\n' {
				if quoteLine(text, i) {
					continue // end of an expandable block quotation
				}
			}
			e.kind = "Spoiler"
		case '[':
			e.kind = "TextUrl"
		case '`':
			if at(i+1) == '`' && at(i+2) == '`' {
				e.kind = "Pre"
				i += 3
				// optional language, then one skipped new line
				j := i
				for j < len(text) && !isHTMLSpace(text[j]) && text[j] != '`' {
					j++
				}
				if j != i && j < len(text) && text[j] != '`' {
					i = j
				}
				if at(i) == '\n' || at(i) == '\r' {
					if (at(i+1) == '\n' || at(i+1) == '\r') && at(i) != at(i+1) {
						i += 2
					} else {
						i++
					}
				}
				i--
			} else {
				e.kind = "Code"
			}
		case '!':
			if at(i+1) != '[' {
				return "", reservedErr(c)
			}
			i++
			e.kind = "CustomEmoji"
		case '>':
			if !atLineStart {
				return "", reservedErr(c)
			}
			continue // block quotation marker
		default:
			return "", reservedErr(c)
		}
		stack = append(stack, e)
	}
	if len(stack) > 0 {
		e := stack[len(stack)-1]
		return "", fmt.Errorf("Can't find end of %s entity at byte offset %d", e.kind, e.offset)
	}
	return out.String(), nil
}

// quoteLine reports whether the line containing text[i] starts with '>'.
func quoteLine(text string, i int) bool {
	start := strings.LastIndexByte(text[:i], '\n') + 1
	return start < len(text) && text[start] == '>'
}

func reservedErr(c byte) error {
	return fmt.Errorf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
}

// parseMarkdown implements the legacy Markdown mode: *bold*, _italic_,
// `code`, ```pre``` and [text](url), no nesting; '\' escapes _ * ` [.
func parseMarkdown(text string) (string, error) {
	var out strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\\' && i+1 < len(text) && strings.IndexByte("_*`[", text[i+1]) >= 0 {
			i++
			out.WriteByte(text[i])
			continue
		}
		if strings.IndexByte("_*`[", c) < 0 {
			out.WriteByte(c)
			continue
		}
		begin := i
		endChar := c
		if c == '[' {
			endChar = ']'
		}
		i++
		pre := false
		if c == '`' && strings.HasPrefix(text[i:], "``") {
			i += 2
			pre = true
		}
		for i < len(text) && (text[i] != endChar || (pre && !strings.HasPrefix(text[i:], "```"))) {
			out.WriteByte(text[i])
			i++
		}
		if i >= len(text) {
			return "", fmt.Errorf("Can't find end of the entity starting at byte offset %d", begin)
		}
		if pre {
			i += 2
		}
		if c == '[' && i+1 < len(text) && text[i+1] == '(' {
			j := strings.IndexByte(text[i+2:], ')')
			if j < 0 {
				return "", fmt.Errorf("Can't find end of a URL at byte offset %d", i+2)
			}
			i += 2 + j
		}
	}
	return out.String(), nil
}
