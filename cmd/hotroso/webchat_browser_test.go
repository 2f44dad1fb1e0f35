package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// addedLatency is the delay the browser tests add to every request, as a
// slow rural network does.
const addedLatency = 300 * time.Millisecond

// chromium finds Debian's chromium (or another Chrome) or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	skipLong(t, "the browser tests start chromium")
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no chromium on the PATH: apt-get install -y chromium (.ci/run does) to run the browser tests")
	return ""
}

// slowProxy serves base with addedLatency before every request.
func slowProxy(t *testing.T, base string) string {
	target, err := url.Parse(base)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // the live stream's events pass at once
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		if r.Context().Err() == nil { // not a page that went away
			t.Logf("proxy: %v", err)
			w.WriteHeader(http.StatusBadGateway)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(addedLatency) // the network's delay, not a wait for a result
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// newBrowser starts headless chromium with a 360×740 phone screen.
func newBrowser(t *testing.T, exe string, scripts bool) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.WindowSize(360, 740), chromedp.Flag("lang", "vi"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulatePortrait, chromedp.EmulateMobile),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !scripts})
			return err
		})))
	return ctx
}

// tap clicks the last button with that label, as a finger does, once it
// is on the screen and nothing covers it.
func tap(label string) chromedp.Action[chromedp.Void] {
	xpath := fmt.Sprintf(`(//button[normalize-space()=%q])[last()]`, label)
	sel := chromedp.Search(xpath)
	return chromedp.Steps(chromedp.WaitVisible(sel), chromedp.ScrollIntoView(sel), uncovered(xpath), chromedp.Click(sel))
}

// tapAndLoad taps a button of a page without JavaScript, a form post, and waits
// until the page that answers it has loaded: the old page's buttons stay
// on screen until then, and a tap on one of them would miss.
func tapAndLoad(label string) chromedp.Action[chromedp.Void] {
	mark := chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](`window.hotrosoOldPage = true`)(ctx, tg)
		return chromedp.Void{}, err
	})
	loaded := chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		for {
			fresh, err := chromedp.Evaluate[bool](`window.hotrosoOldPage === undefined && document.readyState === 'complete'`)(ctx, tg)
			if err == nil && fresh {
				return chromedp.Void{}, nil
			}
			select { // poll: the new document replaces the old one
			case <-ctx.Done():
				return chromedp.Void{}, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	return chromedp.Steps(mark, tap(label), loaded)
}

// uncovered fails when what a finger on the middle of the element would
// touch is something else (a form stuck over it, say).
func uncovered(xpath string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		hit, err := chromedp.Evaluate[string](fmt.Sprintf(`(function () {
			var b = document.evaluate(%q, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
			var r = b.getBoundingClientRect();
			var e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
			return b.contains(e) ? '' : (e ? e.outerHTML.slice(0, 120) : 'nothing: off the screen');
		})()`, xpath))(ctx, tg)
		if err != nil {
			return chromedp.Void{}, err
		}
		if hit != "" {
			return chromedp.Void{}, fmt.Errorf("a finger on %s touches %s", xpath, hit)
		}
		return chromedp.Void{}, nil
	}
}

// shown waits until a message on the page contains text.
func shown(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//div[contains(@class,"msg")]/p[contains(., %q)]`, text)))
}

// typeIn types text into the question box.
func typeIn(text string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(chromedp.ID("text"), text)
}

// screenshot saves the page into docs/ when HOTROSO_SCREENSHOTS is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("HOTROSO_SCREENSHOTS") == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644))
}

// A resident in a real browser (300 ms added to every request) walks a
// flow by tapping and asks; a volunteer claims on Telegram and replies;
// the reply appears live; the resident rates; a reload keeps it all.
func TestWebChatInARealBrowser(t *testing.T) {
	exe := chromium(t)
	forEachBackend(t, func(t *testing.T, backend string) {
		a, base := webChatApp(t, backend)
		org, vol := newChat(t, a, 900, "vi"), newChat(t, a, 500, "vi")
		joinVolunteer(t, org, vol, "Lan - Đoàn xã Thọ Xuân")
		page := slowProxy(t, base) + "/chat"
		ctx := newBrowser(t, exe, true)

		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), shown("Xin chào bác")))
		checkSizes(t, ctx)
		if backend == "embedded" {
			screenshot(t, ctx, "webchat-menu.png")
		}
		require.NoError(t, chromedp.Do(ctx, tap("Tài khoản VNeID"), tap("Làm tài khoản từ đầu"), tap("🙋 Hỏi tình nguyện viên"),
			shown("vị trí số 1"),
			typeIn("Máy không đọc được thẻ ạ"), tap("Gửi ➤"), shown("Máy không đọc được thẻ ạ")))
		claimOnTelegram(t, a, vol)
		require.NoError(t, chromedp.Do(ctx, shown("Lan - Đoàn xã Thọ Xuân đã nhận câu hỏi của bác")))
		vol.say("Bác bật NFC trong Cài đặt rồi áp thẻ vào lưng máy nhé.")
		require.NoError(t, chromedp.Do(ctx, shown("🙋 Lan - Đoàn xã Thọ Xuân: Bác bật NFC")), "the reply appears without a reload")
		closeOnTelegram(t, vol)
		require.NoError(t, chromedp.Do(ctx, shown("đã đóng câu hỏi của bác")))
		if backend == "embedded" {
			screenshot(t, ctx, "webchat-reply.png")
		}
		require.NoError(t, chromedp.Do(ctx, tap("5⭐"), shown("Cảm ơn bác")))
		require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), shown("Bác bật NFC"), shown("Cảm ơn bác")), "a reload keeps the conversation")
		twice, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.msg').length - new Set([...document.querySelectorAll('.msg')].map(m => m.dataset.seq)).size`))
		require.NoError(t, err)
		assert.Zero(t, twice, "no message shown twice")
	})
}

// The same walk with JavaScript off: every button is a plain form post
// whose answer is the page again (post, redirect, get), the reply shows
// on a reload, and the rating is a form post too.
func TestWebChatWithJavaScriptOff(t *testing.T) {
	exe := chromium(t)
	forEachBackend(t, func(t *testing.T, backend string) {
		a, base := webChatApp(t, backend)
		org, vol := newChat(t, a, 900, "vi"), newChat(t, a, 500, "vi")
		joinVolunteer(t, org, vol, "Lan - Đoàn xã Thọ Xuân")
		ctx := newBrowser(t, exe, false)
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(slowProxy(t, base)+"/chat"), shown("Xin chào bác")))
		checkSizes(t, ctx)
		require.NoError(t, chromedp.Do(ctx, tapAndLoad("Tài khoản VNeID"), tapAndLoad("Làm tài khoản từ đầu"), tapAndLoad("🙋 Hỏi tình nguyện viên"), shown("vị trí số 1"),
			typeIn("Máy không đọc được thẻ ạ"), tapAndLoad("Gửi ➤"), shown("Máy không đọc được thẻ ạ")))
		claimOnTelegram(t, a, vol)
		vol.say("Bác bật NFC nhé.")
		reloadUntil(t, ctx, "🙋 Lan - Đoàn xã Thọ Xuân: Bác bật NFC nhé.")
		closeOnTelegram(t, vol)
		reloadUntil(t, ctx, "đã đóng câu hỏi của bác")
		require.NoError(t, chromedp.Do(ctx, tapAndLoad("5⭐"), shown("Cảm ơn bác")))
		hash, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.hash`))
		require.NoError(t, err)
		assert.Equal(t, "#latest", hash, "the rating was a form post, redirected to the page at its latest message")
	})
}

// reloadUntil reloads the page, as a resident without JavaScript does,
// until a message on it contains text.
func reloadUntil(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	probe := fmt.Sprintf(`[...document.querySelectorAll('.msg p')].some(p => p.textContent.includes(%q))`, text)
	pollUntil(t, wait, "the page shows "+text, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](probe))
		require.NoError(t, err)
		if !ok {
			require.NoError(t, chromedp.Do(ctx, chromedp.Reload()))
		}
		return ok
	})
}

// claimOnTelegram waits for the card in the volunteer group and claims it.
func claimOnTelegram(t *testing.T, a *app, vol *chat) {
	t.Helper()
	require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
		m, _ := s.LastMessage(volunteerGroup)
		return strings.Contains(m.Text, "❓ Câu hỏi #1") && len(m.Buttons) > 0
	}))
	_, err := a.api.PressButtonIn(volunteerGroup, vol.user, "🙋 Nhận câu hỏi")
	require.NoError(t, err)
	assert.Contains(t, vol.nextText(), "❓ Câu hỏi #1")
}

// closeOnTelegram closes the volunteer's question as solved.
func closeOnTelegram(t *testing.T, vol *chat) {
	t.Helper()
	vol.say("/done")
	vol.next()
	vol.press("✅ Đã giải quyết")
	assert.Contains(t, vol.nextText(), "Đã đóng câu hỏi #1")
}

// checkSizes checks, by computed style, that text is at least 18 px and
// every tap target at least 48 px high.
func checkSizes(t *testing.T, ctx context.Context) {
	t.Helper()
	smallestText, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
		`Math.min(...[...document.querySelectorAll('.msg p, textarea, label, button, a')].map(e => parseFloat(getComputedStyle(e).fontSize)))`))
	require.NoError(t, err)
	lowestTarget, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
		`Math.min(...[...document.querySelectorAll('button, a, .photo, textarea')].filter(e => e.offsetParent !== null).map(e => e.getBoundingClientRect().height))`))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, smallestText, 18.0, "text of at least 18 px")
	assert.GreaterOrEqual(t, lowestTarget, 48.0, "tap targets of at least 48 px")
}
