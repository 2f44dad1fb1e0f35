package bot

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A body of unknown length (a pipe, as go-telegram/bot writes) arrives in one
// piece with its length; one over the limit still arrives whole, streamed.
func TestBufferedBodiesSendsPipedBodiesWithALength(t *testing.T) {
	type seen struct {
		length  int64
		chunked bool
		body    string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.ContentLength, len(r.TransferEncoding) > 0, string(body)}
	}))
	defer srv.Close()
	client := &http.Client{Transport: bufferedBodies{next: http.DefaultTransport}}

	post := func(content string) seen {
		pr, pw := io.Pipe()
		go func() {
			for part := range strings.SplitSeq(content, ",") {
				_, _ = pw.Write([]byte(part + ","))
			}
			pw.Close()
		}()
		req, err := http.NewRequest(http.MethodPost, srv.URL, pr)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return <-got
	}

	small := post("chat_id,text,reply_markup")
	assert.Equal(t, seen{int64(len("chat_id,text,reply_markup,")), false, "chat_id,text,reply_markup,"}, small)

	large := strings.Repeat("x", maxBufferedBody) + ",tail"
	big := post(large)
	assert.True(t, big.chunked, "a body over the limit streams")
	assert.Equal(t, large+",", big.body)

	// A body of known length passes through untouched.
	req, err := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte("known")))
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, seen{5, false, "known"}, <-got)
}
