package bot

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// maxBufferedBody is the largest request body sent with a Content-Length;
// larger ones (document uploads) stream as they are written.
const maxBufferedBody = 1 << 20

// bufferedBodies is an http.RoundTripper that reads a request body of
// unknown length (go-telegram/bot writes every request through an io.Pipe)
// before sending it. Streamed, the transport sends each small write of the
// multipart form as its own chunk, one system call on each side for every
// field; buffered, a request is one write with a Content-Length.
type bufferedBodies struct {
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t bufferedBodies) RoundTrip(req *http.Request) (*http.Response, error) {
	// A client request's length is unknown when ContentLength is 0 (or -1)
	// with a body.
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return t.next.RoundTrip(req)
	}
	body := req.Body
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(body, maxBufferedBody+1))
	if err != nil {
		body.Close()
		return nil, fmt.Errorf("bot: read request body: %w", err)
	}
	out := req.Clone(req.Context())
	if n <= maxBufferedBody {
		body.Close()
		data := buf.Bytes()
		out.Body = io.NopCloser(bytes.NewReader(data))
		out.ContentLength = int64(len(data))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		return t.next.RoundTrip(out)
	}
	out.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(&buf, body), body}
	return t.next.RoundTrip(out)
}
