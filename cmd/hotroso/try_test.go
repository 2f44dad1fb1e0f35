package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// program is the hotroso binary (this test binary re-run as main) with
// pipes to its standard input and output.
type program struct {
	t     testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu     sync.Mutex
	out    strings.Builder
	mark   int // expect looks at output after this point
	change chan struct{}
	done   chan struct{}
}

// startProgram runs `hotroso args...` with only the given environment.
func startProgram(t testing.TB, env []string, args ...string) *program {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append([]string{"HOTROSO_TEST_MAIN=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	cmd.Dir = t.TempDir()
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	p := &program{t: t, cmd: cmd, stdin: stdin, change: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		r := bufio.NewReader(stdout)
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			close(p.change)
			p.change = make(chan struct{})
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		_ = cmd.Wait()
	})
	return p
}

func (p *program) send(line string) {
	p.t.Helper()
	_, err := io.WriteString(p.stdin, line+"\n")
	require.NoError(p.t, err)
}

// expect waits until the output after the mark matches re, moves the mark
// past the match, and returns the submatches.
func (p *program) expect(re string) []string {
	p.t.Helper()
	pattern := regexp.MustCompile(re)
	deadline := time.After(wait)
	for {
		p.mu.Lock()
		rest := p.out.String()[p.mark:]
		change := p.change
		if loc := pattern.FindStringSubmatchIndex(rest); loc != nil {
			m := pattern.FindStringSubmatch(rest)
			p.mark += loc[1]
			p.mu.Unlock()
			return m
		}
		p.mu.Unlock()
		select {
		case <-change:
		case <-p.done:
			p.mu.Lock()
			defer p.mu.Unlock()
			p.t.Fatalf("the program ended before printing %q; output after the mark:\n%s", re, p.out.String()[p.mark:])
		case <-deadline:
			p.mu.Lock()
			defer p.mu.Unlock()
			p.t.Fatalf("no %q in the output after the mark:\n%s", re, p.out.String()[p.mark:])
		}
	}
}

// press waits for a button with the label and presses it by its number.
func (p *program) press(label string) {
	p.t.Helper()
	n := p.expect(`\[(\d+)\] ` + regexp.QuoteMeta(label))[1]
	p.send(n)
}

func TestTryRunsTheWholeDeskInOneTerminal(t *testing.T) {
	t.Parallel()
	p := startProgram(t, nil, "try")
	p.expect("/as resident")
	p.send("/start")
	p.expect("Xin chào bác")
	p.press("Tài khoản VNeID")
	p.press("Làm tài khoản từ đầu")
	p.expect("Thẻ căn cước gắn chip")
	p.press("🙋 Hỏi tình nguyện viên")
	p.expect("vị trí số 1")
	p.send("Máy tôi không có NFC thì làm sao?")
	p.expect("đã ghi thêm")

	p.send("/as volunteer")
	p.expect("❓ Câu hỏi #1")
	p.press("🙋 Nhận câu hỏi")
	p.expect("Máy tôi không có NFC thì làm sao")
	p.send("Bác chọn quét mã QR trên thẻ nhé.")
	p.send("/as resident")
	p.expect("🙋 Lan - Đoàn xã \\(thử\\): Bác chọn quét mã QR trên thẻ nhé.")
	p.send("/photo màn hình của tôi")
	p.expect("không được có thẻ căn cước") // the reminder before the first photo
	p.press("✅ Gửi ảnh này")
	p.send("/as volunteer")
	p.expect(`👤 Người dân \(#1\): màn hình của tôi`) // the caption, as text
	p.expect(`\[photo: screenshot.png\] 👤 Người dân \(#1\): ⚠️ có thể chứa thông tin cá nhân`)
	p.send("/done")
	p.press("✅ Đã giải quyết")
	p.expect("Đã đóng câu hỏi #1")
	p.send("/as resident")
	p.press("5⭐")
	p.expect("Cảm ơn bác")

	p.send("/as organizer")
	p.send("/volunteers")
	p.expect(`Lan - Đoàn xã \(thử\) \(đang trực\)`)
	p.send("/stats")
	p.expect(`Lan - Đoàn xã \(thử\)`)  // the most active volunteer
	p.expect(`\[photo: [^\]]+\.png\]`) // the chart
	p.send("/quit")
	select {
	case <-p.done:
	case <-time.After(wait):
		t.Fatal("the program did not end on /quit")
	}
	require.NoError(t, p.cmd.Wait())
	p.mark = 0
	p.expect(`🔔 \d+ new message\(s\) for the volunteer \(/as volunteer\)`)
}

func TestTryInEnglish(t *testing.T) {
	t.Parallel()
	p := startProgram(t, nil, "try", "--lang", "en")
	p.send("/start")
	p.expect("Hello!")
	p.press("Staying safe") // whichever the safety flow's English title starts with
	p.expect("Worried you've met a scammer")
	p.expect(`\[\d+\] 🙋 Ask a volunteer`)
	p.send("/quit")
}

// A script piped in runs like a person typing: each line waits for the
// desk's answer to the one before, "/ask" is a command and not "/as k",
// and the last replies print before the program ends at the end of input.
func TestTryRunsAScriptFromAPipe(t *testing.T) {
	t.Parallel()
	script := strings.Join([]string{
		"/start",
		"1",    // 🆘 the first menu button
		"/ask", // not a role switch
		"/as volunteer",
		"1", // the card's claim button
		"/as resident",
		"/cancel",
	}, "\n") + "\n"
	cmd := exec.Command(os.Args[0], "try")
	cmd.Env = []string{"HOTROSO_TEST_MAIN=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.Output()
	require.NoError(t, err, "the program ends by itself at the end of input")
	text := string(out)
	for _, want := range []string{
		"Bác bình tĩnh, mình làm ngay từng bước", // SOS, pressed by number
		"xếp lên đầu hàng chờ",                   // /ask in the SOS flow is urgent
		"— you are now the volunteer —",
		"🆘 GẤP",                       // the urgent card
		"đã nhận câu hỏi của bác",     // the claim reached the resident
		"Cháu đã huỷ câu hỏi của bác", // the last reply printed before the end
	} {
		require.Contains(t, text, want)
	}
	assert.Less(t, strings.Index(text, "🆘 GẤP"), strings.Index(text, "Cháu đã huỷ câu hỏi của bác"), "in the order typed")
	assert.NotContains(t, text, "who? /as", "/ask was no role switch")
}

func TestNoTokenPointsToTry(t *testing.T) {
	p := startProgram(t, nil)
	p.expect("TELEGRAM_BOT_TOKEN: not set.*hotroso try")
	<-p.done
	err := p.cmd.Wait()
	require.Error(t, err)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	require.Equal(t, 1, exit.ExitCode())
}
