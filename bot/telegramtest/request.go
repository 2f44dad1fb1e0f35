package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// maxBodyBytes bounds request bodies (the real API accepts 50 MB uploads).
const maxBodyBytes = 64 << 20

// decodeRequest reads the parameters of a Bot API request: the URL query
// plus an application/json, application/x-www-form-urlencoded or
// multipart/form-data body. Values are flattened to strings; multipart file
// parts are returned separately.
func decodeRequest(r *http.Request) (map[string]string, map[string]File, error) {
	params := make(map[string]string)
	if r.URL.RawQuery != "" {
		for k, v := range r.URL.Query() {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
	}
	// Every value decoded from the body is a copy, so its buffer is reused.
	buf := getBuffer()
	body, err := readBody(*buf, r)
	defer putBuffer(buf, body)
	if err != nil {
		return params, nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil, nil
	}
	ct := r.Header.Get("Content-Type")
	mediaType, boundary, err := parseContentType(ct)
	if err != nil && ct != "" {
		return params, nil, fmt.Errorf("bad Content-Type %q: %w", ct, err)
	}
	switch mediaType {
	case "application/json":
		return params, nil, decodeJSONBody(body, params)
	case "application/x-www-form-urlencoded", "":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return params, nil, fmt.Errorf("parse form: %w", err)
		}
		for k, v := range vals {
			if len(v) > 0 {
				params[k] = v[0]
			}
		}
		return params, nil, nil
	case "multipart/form-data":
		if parts, ok := splitFormData(body, boundary); ok {
			return params, applyFormParts(parts, params), nil
		}
		files, err := decodeMultipart(body, boundary, params)
		return params, files, err
	default:
		return params, nil, fmt.Errorf("unsupported Content-Type %q", mediaType)
	}
}

// readBody appends a request body of at most maxBodyBytes to dst (an
// empty buffer), growing it at most once when the client sent a
// Content-Length.
func readBody(dst []byte, r *http.Request) ([]byte, error) {
	// One byte more than announced, so that the read seeing EOF (or a body
	// longer than announced) does not grow the buffer.
	if n := r.ContentLength; n >= 0 && n < maxBodyBytes && int(n) >= cap(dst) {
		dst = make([]byte, 0, n+1)
	}
	body := dst
	lr := io.LimitReader(r.Body, maxBodyBytes+1)
	for {
		if len(body) == cap(body) {
			body = append(body, 0)[:len(body)]
		}
		n, err := lr.Read(body[len(body):cap(body)])
		body = body[:len(body)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return body, fmt.Errorf("read body: %w", err)
		}
	}
	if len(body) > maxBodyBytes {
		return body, errors.New("request entity too large")
	}
	return body, nil
}

// parseContentType returns the media type of a Content-Type header and its
// boundary parameter, as mime.ParseMediaType does; the forms clients send
// (a bare media type, or multipart/form-data with a token boundary) are
// read without it.
func parseContentType(ct string) (mediaType, boundary string, err error) {
	switch ct {
	case "application/json", "application/x-www-form-urlencoded":
		return ct, "", nil
	}
	if b, ok := strings.CutPrefix(ct, "multipart/form-data; boundary="); ok && b != "" && !strings.ContainsFunc(b, notTokenChar) {
		return "multipart/form-data", b, nil
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	return mediaType, params["boundary"], err
}

// notTokenChar reports whether r may not appear in a MIME token.
func notTokenChar(r rune) bool {
	return r <= ' ' || r >= 0x7f || strings.ContainsRune(`()<>@,;:\"/[]?=`, r)
}

func decodeJSONBody(body []byte, params map[string]string) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return fmt.Errorf("parse JSON body: %w", err)
	}
	for k, raw := range obj {
		raw = bytes.TrimSpace(raw)
		switch {
		case bytes.Equal(raw, []byte("null")):
			continue
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fmt.Errorf("parse JSON field %q: %w", k, err)
			}
			params[k] = s
		default:
			// numbers, booleans, objects and arrays keep their JSON text
			params[k] = string(raw)
		}
	}
	return nil
}

func decodeMultipart(body []byte, boundary string, params map[string]string) (map[string]File, error) {
	if boundary == "" {
		return nil, errors.New("multipart body without boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	files := make(map[string]File)
	seen := make(map[string]bool)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return files, fmt.Errorf("parse multipart: %w", err)
		}
		data, err := io.ReadAll(part)
		name, filename := part.FormName(), part.FileName()
		_ = part.Close()
		if err != nil {
			return files, fmt.Errorf("read multipart field %q: %w", name, err)
		}
		if name == "" {
			continue
		}
		if filename != "" {
			files[name] = File{Name: filename, Data: data}
			continue
		}
		if !seen[name] { // the first occurrence wins, and overrides the URL query
			seen[name] = true
			params[name] = string(data)
		}
	}
	if len(files) == 0 {
		files = nil
	}
	return files, nil
}

// paramPresent reports whether a required field was supplied, either as a
// non-blank value or as an uploaded file part.
func paramPresent(params map[string]string, files map[string]File, name string) bool {
	if _, ok := files[name]; ok {
		return true
	}
	v, ok := params[name]
	return ok && strings.TrimSpace(v) != ""
}

// formPart is one part of a multipart/form-data body.
type formPart struct {
	name, filename string
	data           []byte
}

// applyFormParts stores parts the way decodeMultipart does: the first
// value of a field wins, files are returned apart (nil if none).
func applyFormParts(parts []formPart, params map[string]string) map[string]File {
	var files map[string]File
	seen := make(map[string]bool, len(parts))
	for _, p := range parts {
		switch {
		case p.name == "":
		case p.filename != "":
			if files == nil {
				files = make(map[string]File)
			}
			files[p.name] = File{Name: p.filename, Data: bytes.Clone(p.data)}
		case !seen[p.name]:
			seen[p.name] = true
			params[p.name] = string(p.data)
		}
	}
	return files
}

// splitFormData reads a multipart/form-data body in the exact layout
// mime/multipart.Writer produces (CRLF line ends, no preamble, parts with a
// Content-Disposition "form-data" header with a quoted name and optional
// filename free of escapes, and optionally a Content-Type header), giving
// the parts mime/multipart would give. It reports false for any other
// layout, which decodeMultipart then reads.
func splitFormData(body []byte, boundary string) ([]formPart, bool) {
	if boundary == "" || len(boundary) > 70 {
		return nil, false
	}
	delim := []byte("\r\n--" + boundary)
	rest, ok := bytes.CutPrefix(body, delim[2:])
	if !ok {
		return nil, false
	}
	var parts []formPart
	for {
		// rest follows a boundary delimiter: CRLF and a part, or "--" and the end.
		if end, ok := bytes.CutPrefix(rest, []byte("--")); ok {
			return parts, len(end) == 0 || bytes.HasPrefix(end, []byte("\r\n"))
		}
		if rest, ok = bytes.CutPrefix(rest, []byte("\r\n")); !ok {
			return nil, false
		}
		var p formPart
		if p, rest, ok = splitFormPartHeader(rest); !ok {
			return nil, false
		}
		// The part body runs to the next delimiter. mime/multipart ends a
		// body that starts with "--boundary" at once, and takes a
		// delimiter followed by anything but CRLF or "--" into the body
		// or as transport padding: such bodies are left to it.
		if bytes.HasPrefix(rest, delim[2:]) {
			return nil, false
		}
		i := bytes.Index(rest, delim)
		if i < 0 {
			return nil, false
		}
		p.data, rest = rest[:i], rest[i+len(delim):]
		if !bytes.HasPrefix(rest, []byte("\r\n")) && !bytes.HasPrefix(rest, []byte("--")) {
			return nil, false
		}
		parts = append(parts, p)
	}
}

// splitFormPartHeader reads the header of a part as splitFormData accepts
// it and returns the part (without data) and what follows the header.
func splitFormPartHeader(b []byte) (formPart, []byte, bool) {
	var p formPart
	line, b, ok := cutLine(b)
	if !ok {
		return p, nil, false
	}
	v, ok := bytes.CutPrefix(line, []byte(`Content-Disposition: form-data; name="`))
	if !ok {
		return p, nil, false
	}
	if p.name, v, ok = cutQuoted(v); !ok {
		return p, nil, false
	}
	if len(v) > 0 {
		fn, ok := bytes.CutPrefix(v, []byte(`; filename="`))
		if !ok {
			return p, nil, false
		}
		if p.filename, v, ok = cutQuoted(fn); !ok || len(v) > 0 {
			return p, nil, false
		}
		if p.filename != "" {
			p.filename = filepath.Base(p.filename)
		}
	}
	if line, rest, ok := cutLine(b); ok && len(line) > 0 {
		ct, ok := bytes.CutPrefix(line, []byte("Content-Type: "))
		if !ok || len(ct) == 0 || slices.ContainsFunc(ct, func(c byte) bool { return c <= ' ' || c >= 0x7f }) {
			return p, nil, false
		}
		b = rest
	}
	b, ok = bytes.CutPrefix(b, []byte("\r\n"))
	return p, b, ok
}

// cutLine cuts a header line (at most 1000 bytes, without control
// characters) and its CRLF off b.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 || i > 1000 || slices.ContainsFunc(b[:i], func(c byte) bool { return c < ' ' || c == 0x7f }) {
		return nil, nil, false
	}
	return b[:i], b[i+2:], true
}

// cutQuoted reads the rest of a quoted-string up to its closing quote,
// refusing backslashes.
func cutQuoted(b []byte) (string, []byte, bool) {
	i := bytes.IndexAny(b, `"\`)
	if i < 0 || b[i] != '"' {
		return "", nil, false
	}
	return string(b[:i]), b[i+1:], true
}
