package reports

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hotroso/hotroso/domain"
)

func units(s string) int { return len(utf16.Encode([]rune(s))) }

func TestTextSeeded(t *testing.T) {
	in := seeded(t)
	in.Funnel = []domain.FunnelEvent{
		{Kind: domain.FlowStarted, FlowID: "vneid"}, {Kind: domain.FlowStarted, FlowID: "vneid"},
		{Kind: domain.FlowFinished, FlowID: "vneid"}, {Kind: domain.FlowAbandoned, FlowID: "vneid", Step: "Nhập mã OTP"},
	}
	s := compute(in)
	want := map[string][]string{
		"vi": {
			"15:00 11/03/2026",
			"Hôm nay: 3 lượt (hướng dẫn 1, câu hỏi 2)",
			"Tuần này (từ 09/03): 8 lượt (hướng dẫn 4, câu hỏi 4)",
			"Tổng cộng: 15 lượt (hướng dẫn 8, câu hỏi 7)",
			"Câu hỏi đang chờ: 2 (lâu nhất 1 giờ 30 phút)",
			"Chờ (trung vị): 30 phút", "Xử lý (trung vị): 40 phút",
			"Đánh giá: 3,5/5 (4 lượt)",
			"Đã làm được: 75% (4 người trả lời)",
			"- Thọ Xuân: 3\n- Hoằng Hóa: 2\n- Xuân Lập: 2\n- (không rõ): 1",
			"- vneid: 2 bắt đầu, 1 xong; dừng nhiều nhất ở «Nhập mã OTP» (1)",
			"1. #2: 3\n2. Bình: 2\n3. Lan: 2",
		},
		"en": {
			"15:00 11/03/2026",
			"Today: 3 assists (guides 1, questions 2)",
			"This week (from 09/03): 8 assists (guides 4, questions 4)",
			"Total: 15 assists (guides 8, questions 7)",
			"Questions waiting: 2 (longest 1 h 30 min)",
			"Waiting (median): 30 min", "Handling (median): 40 min",
			"Rating: 3.5/5 (4 ratings)",
			"It worked: 75% (4 answers)",
			"- Thọ Xuân: 3\n- Hoằng Hóa: 2\n- Xuân Lập: 2\n- (unknown): 1",
			"- vneid: 2 started, 1 finished; most stop at «Nhập mã OTP» (1)",
			"1. #2: 3\n2. Bình: 2\n3. Lan: 2",
		},
	}
	for lang, parts := range want {
		text := s.Text(lang)
		for _, p := range parts {
			if !strings.Contains(text, p) {
				t.Errorf("%s text lacks %q:\n%s", lang, p, text)
			}
		}
		if !utf8.ValidString(text) || units(text) > MaxTextLen {
			t.Errorf("%s text invalid or too long (%d)", lang, units(text))
		}
	}
	if s.Text("fr") != s.Text("en") {
		t.Error("an unknown language does not fall back to English")
	}
}

func TestTextEmpty(t *testing.T) {
	s := compute(logInput{Now: time.Date(2026, 3, 11, 8, 0, 0, 0, time.UTC)})
	vi, en := s.Text("vi"), s.Text("en")
	for _, p := range []string{"Hôm nay: 0 lượt", "Câu hỏi đang chờ: 0", "Đánh giá: chưa có"} {
		if !strings.Contains(vi, p) {
			t.Errorf("vi text lacks %q:\n%s", p, vi)
		}
	}
	for _, p := range []string{"Today: 0 assists", "Questions waiting: 0", "Rating: none yet"} {
		if !strings.Contains(en, p) {
			t.Errorf("en text lacks %q:\n%s", p, en)
		}
	}
	if strings.Contains(en, "median") || strings.Contains(en, "By commune") {
		t.Errorf("empty sections shown:\n%s", en)
	}
}

func TestTextManyCommunes(t *testing.T) {
	in := seeded(t)
	for i := range 200 {
		name := fmt.Sprintf("Xã Quảng Xương số %03d", i)
		for range i%7 + 1 {
			in.Assists = append(in.Assists, flow(in.Now.Add(-time.Hour), name))
		}
	}
	for i := range 50 {
		for j := range 3 {
			in.Funnel = append(in.Funnel,
				domain.FunnelEvent{Kind: domain.FlowStarted, FlowID: fmt.Sprintf("flow-%02d-%s", i, strings.Repeat("ư", 60))},
				domain.FunnelEvent{Kind: domain.FlowAbandoned, FlowID: fmt.Sprintf("flow-%02d-%s", i, strings.Repeat("ư", 60)),
					Step: fmt.Sprintf("bước %d %s", j, strings.Repeat("ệ", 80))})
		}
	}
	in.Volunteers = map[int64]string{1: strings.Repeat("Nguyễn ", 100)}
	s := compute(in)
	if n := len(s.Week.ByCommune); n != 204 {
		t.Fatalf("%d communes this week, want 204", n)
	}
	for lang, more := range map[string]string{"vi": "- +194 xã khác", "en": "- +194 more"} {
		moreFlows := map[string]string{"vi": "- +40 hướng dẫn khác", "en": "- +40 more"}[lang]
		text := s.Text(lang)
		if n := units(text); n > 4000 {
			t.Errorf("%s text is %d long", lang, n)
		}
		if !strings.Contains(text, more) || !strings.Contains(text, moreFlows) {
			t.Errorf("%s text lacks %q or %q:\n%s", lang, more, moreFlows, text)
		}
		if !strings.Contains(text, "số 006") || strings.Contains(text, "số 005") {
			t.Errorf("%s text does not list the top communes (7 assists each: 006, 013, ...):\n%s", lang, text)
		}
		if got := strings.Count(text, "\n- Xã"); got != textCommunes {
			t.Errorf("%s text lists %d communes, want %d", lang, got, textCommunes)
		}
	}
}

func TestDuration(t *testing.T) {
	vi, en := vocab["vi"], vocab["en"]
	for _, c := range []struct {
		d      time.Duration
		vi, en string
	}{
		{0, "0 phút", "0 min"},
		{10 * time.Second, "<1 phút", "<1 min"},
		{12*time.Minute + 20*time.Second, "12 phút", "12 min"},
		{59*time.Minute + 40*time.Second, "1 giờ", "1 h"},
		{65 * time.Minute, "1 giờ 5 phút", "1 h 5 min"},
		{26*time.Hour + 3*time.Minute, "26 giờ 3 phút", "26 h 3 min"},
	} {
		if got := vi.duration(c.d); got != c.vi {
			t.Errorf("vi %v: %q, want %q", c.d, got, c.vi)
		}
		if got := en.duration(c.d); got != c.en {
			t.Errorf("en %v: %q, want %q", c.d, got, c.en)
		}
	}
}

func TestLimit(t *testing.T) {
	if got := limit("abc", 3); got != "abc" {
		t.Errorf("limit kept %q", got)
	}
	long := strings.Repeat("dòng ✓ 😀\n", 1000)
	got := limit(long, 100)
	if units(got) > 100 || !strings.HasSuffix(got, "\n…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "\n…")) {
		t.Errorf("limit gave %d units: %q", units(got), got)
	}
	if got := clip("  a\nb  ", 10); got != "a b" {
		t.Errorf("clip gave %q", got)
	}
	if got := clip("Nguyễn Văn A", 6); got != "Nguyễ…" {
		t.Errorf("clip gave %q", got)
	}
}

func TestTextInPersonAndConfirmedOutcomes(t *testing.T) {
	now := time.Date(2026, 3, 11, 8, 0, 0, 0, vietnam)
	in := logInput{Now: now, Assists: []domain.Assist{
		{At: now, Kind: domain.AssistInPerson, Topic: domain.TopicVNeIDLevel2, People: 5, VolunteerID: 9},
		{At: now.Add(-time.Hour), Kind: domain.AssistInPerson, Topic: domain.TopicSafety, People: 1, VolunteerID: 9},
		{At: now, Kind: domain.AssistFlow, FlowID: "vneid"},
		{At: now, Kind: domain.AssistFollowUp, FlowID: "dossier", Outcome: domain.FollowUpAccepted},
		{At: now, Kind: domain.AssistFollowUp, FlowID: "dossier", Outcome: domain.FollowUpAccepted},
		{At: now, Kind: domain.AssistFollowUp, FlowID: "pay", Outcome: domain.FollowUpSentBack},
	}}
	s := compute(in)
	if s.Total.Total != 7 || s.FollowUps != 3 || s.Confirmed != 2 {
		t.Fatalf("total %d, follow-ups %d, confirmed %d; want 7 (people, not follow-ups), 3, 2", s.Total.Total, s.FollowUps, s.Confirmed)
	}
	vi, en := s.Text("vi"), s.Text("en")
	for _, want := range []string{"Hôm nay: 7 lượt (hướng dẫn 1, câu hỏi 0, trực tiếp 6)", "Định danh mức 2: 5",
		"An toàn, chống lừa đảo: 1", "Hồ sơ, thanh toán được xác nhận: 67% (2/3 người trả lời)"} {
		if !strings.Contains(vi, want) {
			t.Errorf("vi text lacks %q:\n%s", want, vi)
		}
	}
	for _, want := range []string{"Today: 7 assists (guides 1, questions 0, in person 6)", "Level 2 ID: 5", "Outcomes confirmed: 67% (2/3 answers)"} {
		if !strings.Contains(en, want) {
			t.Errorf("en text lacks %q:\n%s", want, en)
		}
	}
}
