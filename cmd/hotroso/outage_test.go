package main

import (
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedisOutageGetsABusyAnswerAndWorkResumes(t *testing.T) {
	mr := miniredis.RunT(t)
	a := startApp(t, "embedded", map[string]string{"REDIS_URL": "redis://" + mr.Addr(), "REDIS_KEY_PREFIX": "outage"})
	res := newChat(t, a, 3101, "vi")
	res.say("/start")
	res.next()
	res.press("Tài khoản VNeID")
	step := res.next()

	mr.Close() // Redis goes away
	res.say("/help")
	assert.Equal(t, "Hệ thống đang bận. Bác vui lòng thử lại sau một phút nhé.", res.nextText())
	res.press("Làm tài khoản từ đầu")
	assert.Contains(t, res.nextText(), "đang bận", "a button during the outage gets the same kind answer")
	code, body := get(t, a.httpAddr(t)+"/readyz")
	assert.Equal(t, 503, code)
	assert.Contains(t, body, `"store":"failing`)

	require.NoError(t, mr.Restart()) // Redis is back, with its data
	// The client reconnects by itself within a moment; readiness says when.
	ready := time.After(wait)
	for code != 200 {
		select {
		case <-ready:
			t.Fatal("the store never became ready again")
		case <-time.After(100 * time.Millisecond):
		}
		code, _ = get(t, a.httpAddr(t)+"/readyz")
	}
	res.press("Làm tài khoản từ đầu")
	next := res.next()
	assert.NotEqual(t, step.Text, next.Text, "the step the resident was on was kept: the button moves on")
	assert.True(t, strings.Contains(next.Text, "Thẻ căn cước"), next.Text)
	assert.NotContains(t, a.stderr.String(), "panicked")
}
