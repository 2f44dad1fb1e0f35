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
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return params, nil, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxBodyBytes {
		return params, nil, errors.New("request entity too large")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return params, nil, nil
	}
	ct := r.Header.Get("Content-Type")
	mediaType, mtParams, err := mime.ParseMediaType(ct)
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
		files, err := decodeMultipart(body, mtParams["boundary"], params)
		return params, files, err
	default:
		return params, nil, fmt.Errorf("unsupported Content-Type %q", mediaType)
	}
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
