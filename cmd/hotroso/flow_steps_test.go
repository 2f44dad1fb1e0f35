package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoFlow is a small flow for FLOWS_DIR: a -> b (yes/no typed) -> c, with
// a photo on c.
const demoFlow = `id: demo
version: 1
order: 1
title: {vi: "Thử nghiệm", en: "Demo"}
reviewed: 2026-11-26
sources: ["test fixture"]
start: a
steps:
  a:
    text: {vi: "Bước A", en: "Step A"}
    choices:
      - label: {vi: "Sang B", en: "To B"}
        next: b
  b:
    text: {vi: "Bước B: bác có điện thoại không?", en: "Step B: do you have a phone?"}
    answer:
      type: yesno
      save_as: phone
      yes: c
      no: a
      hint: {vi: "Bác trả lời có hoặc không nhé.", en: "Please answer yes or no."}
      labels: {yes: {vi: "Có điện thoại", en: "I have one"}, no: {vi: "Không có", en: "I don't"}}
  c:
    text: {vi: "Xong rồi!", en: "All done!"}
    image: done.png
    outcome: done
`

// flowsDir writes flow files (name -> content) and a PNG into a new folder.
func flowsDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600))
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 48))))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "done.png"), buf.Bytes(), 0o600))
	return dir
}

// demoWalker starts the demo flow for a resident and returns the walker.
func demoWalker(t *testing.T, a *app, id int64) *walker {
	t.Helper()
	_, texts := shipped(t)
	w := &walker{t: t, api: a.api, user: resident(id, "vi"), lang: "vi", texts: texts}
	a.api.SendText(w.user, "/start")
	menu := w.next()
	require.Equal(t, []string{"Thử nghiệm", "🙋 Hỏi tình nguyện viên", "📍 Xã/phường", "🌐 Ngôn ngữ / Language"}, labels(menu), "FLOWS_DIR replaces the built-in flows")
	w.press("Thử nghiệm")
	require.Equal(t, "Bước A", w.next().Text)
	return w
}

func mustButton(t *testing.T, m telegramtest.Message, label string) telegramtest.Button {
	t.Helper()
	b, ok := m.Button(label)
	require.True(t, ok, "button %q on message %d", label, m.MessageID)
	return b
}

func TestFlowsDirPhotoStepAndTypedAnswers(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"FLOWS_DIR": flowsDir(t, map[string]string{"demo.yaml": demoFlow})})
		w := demoWalker(t, a, 2001)
		w.press("Sang B")
		assert.Contains(t, w.next().Text, "Bước B")
		a.api.SendText(w.user, "có lẽ")
		hint := w.next()
		assert.Equal(t, "Bác trả lời có hoặc không nhé.", hint.Text, "an answer that does not fit gets the hint")
		a.api.SendText(w.user, "Có ạ")
		done := w.next()
		assert.True(t, done.Photo, "the final step comes as a photo")
		assert.Equal(t, "Xong rồi!", done.Caption)
		assert.Equal(t, []string{"⬅️ Quay lại", "🏠 Menu", "🔁 Làm lại từ đầu", "🙋 Hỏi tình nguyện viên"}, labels(done))
		assert.Equal(t, "done.png", done.File.Name)
	})
}

func TestFlowBackAndRestart(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"FLOWS_DIR": flowsDir(t, map[string]string{"demo.yaml": demoFlow})})
		w := demoWalker(t, a, 2101)
		assert.NotContains(t, labels(w.api.Messages(w.user.ID)[1]), "⬅️ Quay lại", "no way back from the first step")
		w.press("Sang B")
		b := w.next()
		assert.Contains(t, labels(b), "⬅️ Quay lại")
		w.press("⬅️ Quay lại")
		assert.Equal(t, "Bước A", w.next().Text)
		w.press("Sang B")
		w.next()
		a.api.SendText(w.user, "có")
		w.next()
		w.press("🔁 Làm lại từ đầu")
		assert.Equal(t, "Bước A", w.next().Text)
	})
}

func TestFlowResumesAfterTheProcessRestarts(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"FLOWS_DIR": flowsDir(t, map[string]string{"demo.yaml": demoFlow})})
		w := demoWalker(t, a, 2201)
		w.press("Sang B")
		w.next()
		a.stop(t)

		a = startWith(t, a.api, a.env) // same store, same fake Telegram
		a.api.SendText(w.user, "/start")
		menu := w.next()
		assert.Equal(t, "▶️ Làm tiếp: Thử nghiệm", labels(menu)[0], "the menu offers to continue")
		w.press("Thử nghiệm")
		offer := w.next()
		assert.Contains(t, offer.Text, "làm dở")
		assert.Equal(t, []string{"▶️ Làm tiếp chỗ cũ", "🔁 Bắt đầu lại"}, labels(offer))
		w.press("▶️ Làm tiếp chỗ cũ")
		assert.Contains(t, w.next().Text, "Bước B", "the session lived in the store")
		a.api.SendText(w.user, "có")
		assert.Equal(t, "Xong rồi!", w.next().Caption)
	})
}

func TestFlowEditedUnderTheResidentRestartsItKindly(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		dir := flowsDir(t, map[string]string{"demo.yaml": demoFlow})
		a := startApp(t, backend, map[string]string{"FLOWS_DIR": dir})
		w := demoWalker(t, a, 2301)
		w.press("Sang B")
		w.next()
		a.stop(t)

		// The organizer renames step b and raises the version.
		edited := strings.NewReplacer("version: 1", "version: 2", "next: b", "next: b2", "  b:\n", "  b2:\n").Replace(demoFlow)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "demo.yaml"), []byte(edited), 0o600))
		a = startWith(t, a.api, a.env)
		a.api.SendText(w.user, "có")
		// Two messages at once: the walker's next would read the last.
		msgs, err := a.api.WaitMessages(w.user.ID, w.seen+2, wait)
		require.NoError(t, err)
		assert.Contains(t, msgs[w.seen].Text, "vừa được cập nhật")
		assert.Equal(t, "Bước A", msgs[w.seen+1].Text, "back at the start of the flow")
	})
}

func TestStaleFlowButtonShowsTheCurrentStep(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"FLOWS_DIR": flowsDir(t, map[string]string{"demo.yaml": demoFlow})})
		w := demoWalker(t, a, 2401)
		stepA := w.api.Messages(w.user.ID)[1]
		w.press("Sang B")
		w.next()
		a.api.SendText(w.user, "có")
		w.next() // at c now
		// The menu button of step A's old message still works; its choice
		// is stale.
		id := a.api.PressData(w.user, stepA.MessageID, mustButton(t, stepA, "Sang B").Data)
		answer, err := a.api.WaitCallbackAnswer(id, wait)
		require.NoError(t, err)
		assert.Equal(t, "Nút này đã cũ", answer.Params["text"])
		again := w.next()
		assert.Equal(t, "Xong rồi!", again.Caption, "the current step is shown again")
	})
}

func TestTwoQuickTapsOnOneButtonAreHandledOnce(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		a := startApp(t, backend, map[string]string{"FLOWS_DIR": flowsDir(t, map[string]string{"demo.yaml": demoFlow})})
		w := demoWalker(t, a, 2501)
		stepA := w.api.Messages(w.user.ID)[1]
		data := mustButton(t, stepA, "Sang B").Data
		first := a.api.PressData(w.user, stepA.MessageID, data)
		second := a.api.PressData(w.user, stepA.MessageID, data)
		_, err := a.api.WaitCallbackAnswer(first, wait)
		require.NoError(t, err)
		answer, err := a.api.WaitCallbackAnswer(second, wait)
		require.NoError(t, err)
		assert.Equal(t, "Đã chọn rồi ạ", answer.Params["text"])
		require.NoError(t, a.api.WaitUpdatesConsumed(wait))
		msgs := a.api.Messages(w.user.ID)
		require.Len(t, msgs, 3, "menu, step A, step B: the second tap sent nothing")
		assert.Contains(t, msgs[2].Text, "Bước B")
	})
}

// A number answer stays typed and shows how to type it; a yes/no answer
// shows its two buttons; typing the words or the labels works too.
func TestNumberAnswersShowAnExample(t *testing.T) {
	const ageFlow = `id: age
version: 1
order: 1
title: {vi: "Tuổi", en: "Age"}
reviewed: 2026-12-01
sources: ["test fixture"]
start: intro
steps:
  intro:
    text: {vi: "Mình tính tuổi nhé.", en: "Let's check your age."}
    choices:
      - label: {vi: "Bắt đầu", en: "Start"}
        next: age
  age:
    text: {vi: "Bác bao nhiêu tuổi?", en: "How old are you?"}
    answer:
      type: number
      min: 1
      max: 120
      next: done
      example: {vi: "Ví dụ: 70", en: "For example: 70"}
      hint: {vi: "Bác gõ số tuổi, ví dụ 70.", en: "Type your age, e.g. 70."}
  done:
    text: {vi: "Cảm ơn bác.", en: "Thank you."}
    outcome: done
`
	a := startApp(t, "embedded", map[string]string{"FLOWS_DIR": flowsDir(t, map[string]string{"age.yaml": ageFlow})})
	res := newChat(t, a, 82, "vi")
	res.say("/start")
	res.next()
	res.press("Tuổi")
	res.next()
	res.say("bắt đầu") // a button's label, typed
	step := res.next()
	assert.Equal(t, "Bác bao nhiêu tuổi?\nVí dụ: 70", step.Text)
	assert.Equal(t, []string{"⬅️ Quay lại", "🏠 Menu", "🙋 Hỏi tình nguyện viên"}, labels(step), "no button per number")
	res.say("bảy mươi")
	assert.Equal(t, "Bác gõ số tuổi, ví dụ 70.", res.nextText())
	res.say("70 tuổi")
	assert.Equal(t, "Cảm ơn bác.", res.nextText())
}
