package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/storage"
)

// askAndClaim has res ask, write text, and vol claim the question from
// the volunteer group; it returns after the resident is told.
func askAndClaim(t *testing.T, a *app, res, vol *chat, text string) {
	t.Helper()
	res.say("/ask")
	assert.Contains(t, res.nextText(), "hàng chờ")
	res.say(text)
	assert.Contains(t, res.nextText(), "đã ghi thêm")
	require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
		m, _ := s.LastMessage(volunteerGroup)
		return strings.Contains(m.Text, text) && len(m.Buttons) > 0
	}), "the card shows the question")
	_, err := a.api.PressButtonIn(volunteerGroup, vol.user, "🙋 Nhận câu hỏi")
	require.NoError(t, err)
	vol.next()
	assert.Contains(t, res.nextText(), "đã nhận câu hỏi")
}

// A resident who erases their data takes their questions with them: the
// waiting one is withdrawn and its volunteer told, the cards lose their
// text, no volunteer can write to them through an old claim, and only the
// assist log's anonymous records stay, with no ticket id or hash that
// links back. Before, /forget kept every ticket and its indexes.
func TestForgetErasesTheResidentsQuestions(t *testing.T) {
	t.Parallel() // waits on the clock's real seconds (paced group, retries), not the CPU
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 520, "vi"), newChat(t, a, 46, "vi")
		joinVolunteer(t, org, vol, "Hà - Đoàn xã Hoằng Hoá")

		askAndClaim(t, a, res, vol, "nhà tôi ở xóm Bưởi Đỏ")
		vol.say("/done")
		vol.next()
		vol.press("✅ Đã giải quyết")
		vol.next()
		res.next()
		res.press("5⭐")
		res.next()
		askAndClaim(t, a, res, vol, "máy không nhận thẻ ở xóm Bưởi Đỏ")

		res.say("/forget")
		assert.Contains(t, res.nextText(), "câu hỏi bác đã gửi")
		res.press("Có, xoá hết")
		assert.Contains(t, res.nextText(), "Cháu đã xoá hết thông tin về bác")
		assert.Contains(t, vol.nextText(), "rút câu hỏi #2 và yêu cầu xoá dữ liệu")
		// Both cards are edited (the group is paced, so this takes seconds).
		require.NoError(t, a.api.WaitFor(wait, func(s *telegramtest.Snapshot) bool {
			var all strings.Builder
			for _, m := range s.Messages(volunteerGroup) {
				all.WriteString(m.Text)
			}
			return strings.Contains(all.String(), "🗑 Câu hỏi #1") && strings.Contains(all.String(), "🗑 Câu hỏi #2")
		}), "both cards say the question was erased: %q", lastGroupTexts(a))
		for _, m := range a.api.Messages(volunteerGroup) {
			assert.NotContains(t, m.Text, "Bưởi Đỏ", "no card in the group keeps the question's text")
		}

		vol.say("Bác còn đó không ạ?")
		vol.next()
		assert.Len(t, a.api.Messages(res.user.ID), res.seen, "nothing reaches the resident through the old claim")
		a.stop(t)

		st := openStoreOf(t, a)
		ctx := context.Background()
		for _, id := range []int64{1, 2} {
			_, err := st.GetTicket(ctx, id)
			require.ErrorIs(t, err, storage.ErrNotFound, "ticket %d is gone", id)
		}
		_, err := st.ActiveTicketOf(ctx, res.user.ID)
		require.ErrorIs(t, err, storage.ErrNotFound)
		claims, err := st.ClaimsOf(ctx, vol.user.ID)
		require.NoError(t, err)
		assert.Empty(t, claims)
		log, err := st.AssistsBetween(ctx, time.Time{}, a.now().Add(time.Hour))
		require.NoError(t, err)
		require.Len(t, log, 1, "the closed question's record stays for the reports")
		assert.Zero(t, log[0].TicketID, "no ticket id links back")
		assert.Empty(t, log[0].Resident, "no resident hash links back")
		assert.Equal(t, 5, log[0].Rating, "the rating stays in the record")
	})
}

// lastGroupTexts joins the texts of the volunteer group's messages as they
// now read.
func lastGroupTexts(a *app) string {
	var b strings.Builder
	for _, m := range a.api.Messages(volunteerGroup) {
		b.WriteString(m.Text + "\n")
	}
	return b.String()
}

// A volunteer who erases their data while holding a question hands it
// back: the question waits in the queue again, its resident is told, and
// another volunteer can take it. Before, it stayed claimed by someone who
// was no longer a volunteer, with no lease, and the resident's messages
// went to them.
func TestDepartingVolunteersQuestionsReturnToTheQueue(t *testing.T) {
	t.Parallel() // waits on the clock's real seconds (paced group, retries), not the CPU
	forEachBackend(t, func(t *testing.T, backend string) {
		a := deskApp(t, backend)
		org, vol, res := newChat(t, a, 900, "vi"), newChat(t, a, 521, "vi"), newChat(t, a, 47, "vi")
		other := newChat(t, a, 522, "vi")
		joinVolunteer(t, org, vol, "Tú - Đoàn xã Nga Sơn")
		joinVolunteer(t, org, other, "Mai - Đoàn xã Nga Sơn")
		askAndClaim(t, a, res, vol, "cháu ơi giúp bác cài VNeID")

		vol.say("/forget")
		vol.next()
		vol.press("Có, xoá hết")
		assert.Contains(t, vol.nextText(), "Cháu đã xoá hết")
		assert.Contains(t, res.nextText(), "vừa rời tổ", "the resident is told")
		res.say("bác vẫn chờ")
		assert.Contains(t, res.nextText(), "đã ghi thêm", "their messages wait with the question, not with the one who left")
		assert.Len(t, a.api.Messages(vol.user.ID), vol.seen, "nothing goes to the one who left")

		other.say("/next")
		assert.Contains(t, other.nextText(), "❓ Câu hỏi #1", "another volunteer takes it")
		assert.Contains(t, res.nextText(), "Mai - Đoàn xã Nga Sơn đã nhận")
	})
}

// The bytes of an erased question leave the store's file. bbolt keeps
// freed pages as they were (storage/embedded's
// TestScrubErasedWipesFreedPages shows the bytes left by a deletion), so
// the desk compacts the file after an erasure (SCRUB_EVERY).
func TestErasedQuestionsLeaveTheEmbeddedFile(t *testing.T) {
	a := startApp(t, "embedded", map[string]string{"ORGANIZER_IDS": "900", "VOLUNTEER_CHAT_ID": "-100123456", "SCRUB_EVERY": "200ms"})
	a.api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
	res := newChat(t, a, 48, "vi")
	const marker = "xóm Cây Gạo Đầu Đình"
	res.say("/ask")
	res.next()
	res.say(marker)
	res.next()
	file := filepath.Join(a.env["DATA_DIR"], "hotroso.db")
	pollUntil(t, wait, "the question is in the file", func() bool { return fileHolds(t, file, marker) })

	res.say("/forget")
	res.next()
	res.press("Có, xoá hết")
	res.next()
	pollUntil(t, wait, "the erased question has left the file", func() bool { return !fileHolds(t, file, marker) })
	res.say("/start")
	assert.Contains(t, res.nextText(), "Xin chào", "the desk works on after the compaction")
}

// fileHolds reports whether the file's bytes contain text.
func fileHolds(t *testing.T, path, text string) bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	return bytes.Contains(raw, []byte(text))
}

// dirHolds reports whether any file under dir contains text.
func dirHolds(t *testing.T, dir, text string) bool {
	t.Helper()
	found := false
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return err
		}
		found = fileHolds(t, path, text)
		return nil
	}))
	return found
}

// On Redis with an append-only file, the erased question leaves the disk
// with the AOF rewrite the desk starts after an erasure. The test starts
// its own redis-server with appendonly on; without one on the PATH it is
// skipped.
func TestErasedQuestionsLeaveTheRedisAppendOnlyFile(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("needs redis-server on the PATH")
	}
	dir, port := t.TempDir(), freePort(t)
	startRedisServer(t, bin, dir, "--port", port, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--aof-use-rdb-preamble", "no")
	a := startApp(t, "embedded", map[string]string{"ORGANIZER_IDS": "900", "VOLUNTEER_CHAT_ID": "-100123456", "SCRUB_EVERY": "200ms",
		"REDIS_URL": "redis://127.0.0.1:" + port, "REDIS_KEY_PREFIX": "erasetest"})
	a.api.AddChat(volunteerGroup, telegramtest.ChatSupergroup)
	res := newChat(t, a, 49, "vi")
	const marker = "xóm Giếng Làng Phía Đông"
	res.say("/ask")
	res.next()
	res.say(marker)
	res.next()
	pollUntil(t, wait, "the question is in the append-only file", func() bool { return dirHolds(t, dir, marker) })

	res.say("/forget")
	res.next()
	res.press("Có, xoá hết")
	res.next()
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:" + port})
	defer client.Close()
	pollUntil(t, wait, "the rewrite has dropped the erased question", func() bool {
		info, err := client.Info(context.Background(), "persistence").Result()
		return err == nil && strings.Contains(info, "aof_rewrite_in_progress:0") && !strings.Contains(info, "aof_rewrite_scheduled:1") &&
			!dirHolds(t, dir, marker)
	})
}
