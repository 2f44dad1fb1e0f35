package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/hotroso/hotroso/domain"
)

// MaxTextLen is the most UTF-16 code units Stats.Text returns, below
// Telegram's 4,096 per message.
const MaxTextLen = 3900

// Limits of the summary's lists and names, to keep it short.
const (
	textCommunes = 10 // communes listed, then "+N more"
	textFlows    = 10 // flows listed, then "+N more"
	textName     = 40 // runes of a name, step or commune shown
)

// words is the summary's text in one language.
type words struct {
	title, today, week, total, assists       string
	flow, ticket                             string
	waiting, longest, medWait, medHandle     string
	rating, ratingOf, worked, workedOf, none string
	communes, unknown, more, moreFlows       string
	flows, started, finished, stuck          string
	volunteers                               string
	channels, web                            string
	min, hour, lessMin                       string
	decimal                                  string
	inPerson, byTopic, confirmed, answers    string
	topics                                   map[string]string
}

// vocab is the summary's text per language; other languages get English.
var vocab = map[string]words{
	"vi": {
		title: "Báo cáo hỗ trợ", today: "Hôm nay", week: "Tuần này (từ %s)", total: "Tổng cộng", assists: "lượt",
		flow: "hướng dẫn", ticket: "câu hỏi",
		waiting: "Câu hỏi đang chờ", longest: "lâu nhất", medWait: "Chờ (trung vị)", medHandle: "Xử lý (trung vị)",
		rating: "Đánh giá", ratingOf: "lượt", worked: "Đã làm được", workedOf: "người trả lời", none: "chưa có",
		communes: "Theo xã (tuần này)", unknown: "(không rõ)", more: "+%d xã khác", moreFlows: "+%d hướng dẫn khác",
		flows: "Hướng dẫn", started: "bắt đầu", finished: "xong", stuck: "dừng nhiều nhất ở",
		volunteers: "Tình nguyện viên tích cực (câu hỏi đã đóng)",
		channels:   "Theo kênh (tuần này)", web: "trang web",
		min: "phút", hour: "giờ", lessMin: "<1 phút",
		decimal:  ",",
		inPerson: "trực tiếp", byTopic: "Hỗ trợ trực tiếp theo nội dung (tổng, số người)",
		confirmed: "Hồ sơ, thanh toán được xác nhận", answers: "người trả lời",
		topics: map[string]string{domain.TopicVNeIDAccount: "Tài khoản VNeID", domain.TopicVNeIDLevel2: "Định danh mức 2",
			domain.TopicPayment: "Thanh toán trực tuyến", domain.TopicDossier: "Hồ sơ dịch vụ công",
			domain.TopicSafety: "An toàn, chống lừa đảo", domain.TopicOther: "Khác"},
	},
	"en": {
		title: "Help desk report", today: "Today", week: "This week (from %s)", total: "Total", assists: "assists",
		flow: "guides", ticket: "questions",
		waiting: "Questions waiting", longest: "longest", medWait: "Waiting (median)", medHandle: "Handling (median)",
		rating: "Rating", ratingOf: "ratings", worked: "It worked", workedOf: "answers", none: "none yet",
		communes: "By commune (this week)", unknown: "(unknown)", more: "+%d more", moreFlows: "+%d more",
		flows: "Guides", started: "started", finished: "finished", stuck: "most stop at",
		volunteers: "Most active volunteers (questions closed)",
		channels:   "By channel (this week)", web: "web page",
		min: "min", hour: "h", lessMin: "<1 min",
		decimal:  ".",
		inPerson: "in person", byTopic: "In-person help by topic (all time, people)",
		confirmed: "Outcomes confirmed", answers: "answers",
		topics: map[string]string{domain.TopicVNeIDAccount: "VNeID account", domain.TopicVNeIDLevel2: "Level 2 ID",
			domain.TopicPayment: "Online payment", domain.TopicDossier: "Public-service dossier",
			domain.TopicSafety: "Safety from scams", domain.TopicOther: "Other"},
	},
}

// Text is the summary for a Telegram message in lang ("vi" or "en"; any
// other language gets English). It is plain text, to be sent without a
// parse mode, and at most MaxTextLen UTF-16 code units long.
func (s Stats) Text(lang string) string {
	w, ok := vocab[lang]
	if !ok {
		w = vocab["en"]
	}
	t := &summary{w: w}
	t.line("%s · %s", w.title, s.Now.Format("15:04 02/01/2006"))
	t.counts(s)
	t.quality(s)
	t.topics(s.Total.ByTopic)
	t.communes(s.Week.Communes())
	t.flows(s.Flows)
	t.volunteers(s.TopVolunteers)
	return limit(strings.TrimRight(t.b.String(), "\n"), MaxTextLen)
}

// summary is the text being written, section by section.
type summary struct {
	w words
	b strings.Builder
}

func (t *summary) line(format string, args ...any) { fmt.Fprintf(&t.b, format+"\n", args...) }

// counts: today's, this week's and all assists, by kind; in-person ones
// once the desk has logged any.
func (t *summary) counts(s Stats) {
	inPerson := s.Total.ByKind[domain.AssistInPerson] != 0
	count := func(label string, c Count) {
		parts := fmt.Sprintf("%s %d, %s %d", t.w.flow, c.ByKind[domain.AssistFlow], t.w.ticket, c.ByKind[domain.AssistTicket])
		if inPerson {
			parts += fmt.Sprintf(", %s %d", t.w.inPerson, c.ByKind[domain.AssistInPerson])
		}
		t.line("%s: %d %s (%s)", label, c.Total, t.w.assists, parts)
	}
	count(t.w.today, s.Today)
	count(fmt.Sprintf(t.w.week, s.WeekStart.Format("02/01")), s.Week)
	count(t.w.total, s.Total)
	t.line("%s: Telegram %d · %s %d", t.w.channels, s.Week.ByChannel[domain.ChannelTelegram], t.w.web, s.Week.ByChannel[domain.ChannelWeb])
}

// quality: the waiting questions, the times, the ratings.
func (t *summary) quality(s Stats) {
	w := t.w
	t.b.WriteString("\n")
	if s.Waiting > 0 && s.LongestWait > 0 {
		t.line("%s: %d (%s %s)", w.waiting, s.Waiting, w.longest, w.duration(s.LongestWait))
	} else {
		t.line("%s: %d", w.waiting, s.Waiting)
	}
	if s.Timed > 0 {
		t.line("%s: %s · %s: %s", w.medWait, w.duration(s.MedianWaiting), w.medHandle, w.duration(s.MedianHandling))
	}
	if s.Rated > 0 {
		t.line("%s: %s/5 (%d %s)", w.rating, w.decimalOne(s.RatingAverage), s.Rated, w.ratingOf)
	} else {
		t.line("%s: %s", w.rating, w.none)
	}
	if s.WorkedAnswers > 0 {
		t.line("%s: %d%% (%d %s)", w.worked, int(s.WorkedShare()*100+0.5), s.WorkedAnswers, w.workedOf)
	}
	if s.FollowUps > 0 {
		t.line("%s: %d%% (%d/%d %s)", w.confirmed, int(s.ConfirmedShare()*100+0.5), s.Confirmed, s.FollowUps, w.answers)
	}
}

// topics: the people helped in person, by topic, in the order /log offers
// them; topics not in that list last, by code.
func (t *summary) topics(byTopic map[string]int) {
	if len(byTopic) == 0 {
		return
	}
	t.line("\n%s:", t.w.byTopic)
	order := slices.Clone(domain.Topics)
	for _, k := range slices.Sorted(maps.Keys(byTopic)) {
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	for _, k := range order {
		if n := byTopic[k]; n != 0 {
			name, ok := t.w.topics[k]
			if !ok {
				name = clip(k, textName)
			}
			t.line("- %s: %d", name, n)
		}
	}
}

// communes: this week's assists by commune, the first few.
func (t *summary) communes(communes []CommuneCount) {
	if len(communes) == 0 {
		return
	}
	t.line("\n%s:", t.w.communes)
	for i, c := range communes {
		if i == textCommunes {
			t.line("- "+t.w.more, len(communes)-textCommunes)
			return
		}
		name := clip(c.Commune, textName)
		if c.Commune == "" {
			name = t.w.unknown
		}
		t.line("- %s: %d", name, c.Count)
	}
}

// flows: the flows most started, with where residents stop.
func (t *summary) flows(all []FlowStats) {
	if len(all) == 0 {
		return
	}
	t.line("\n%s:", t.w.flows)
	flows := slices.Clone(all)
	slices.SortStableFunc(flows, func(a, b FlowStats) int { return b.Started - a.Started })
	for i, f := range flows {
		if i == textFlows {
			t.line("- "+t.w.moreFlows, len(flows)-textFlows)
			return
		}
		text := fmt.Sprintf("- %s: %d %s, %d %s", clip(f.FlowID, textName), f.Started, t.w.started, f.Finished, t.w.finished)
		if f.StuckCount > 0 {
			text += fmt.Sprintf("; %s «%s» (%d)", t.w.stuck, clip(f.StuckStep, textName), f.StuckCount)
		}
		t.line("%s", text)
	}
}

// volunteers: the most active volunteers.
func (t *summary) volunteers(top []VolunteerCount) {
	if len(top) == 0 {
		return
	}
	t.line("\n%s:", t.w.volunteers)
	for i, v := range top {
		t.line("%d. %s: %d", i+1, clip(v.Name, textName), v.Closed)
	}
}

// duration renders d rounded to the minute: "12 phút", "1 giờ 5 phút",
// "2 giờ"; "<1 phút" for a positive d under half a minute.
func (w words) duration(d time.Duration) string {
	m := int64(d.Round(time.Minute) / time.Minute)
	switch {
	case m == 0 && d > 0:
		return w.lessMin
	case m < 60:
		return fmt.Sprintf("%d %s", m, w.min)
	case m%60 == 0:
		return fmt.Sprintf("%d %s", m/60, w.hour)
	}
	return fmt.Sprintf("%d %s %d %s", m/60, w.hour, m%60, w.min)
}

// decimalOne renders x with one decimal and the language's decimal mark.
func (w words) decimalOne(x float64) string {
	return strings.Replace(strconv.FormatFloat(x, 'f', 1, 64), ".", w.decimal, 1)
}

// clip shortens s to at most n runes, ending with "…" when cut.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ") // no line breaks inside a line
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// limit cuts s to at most n UTF-16 code units, at a line break when it can,
// ending with "…" when cut.
func limit(s string, n int) string {
	units := 0
	for _, r := range s {
		units += utf16.RuneLen(r)
	}
	if units <= n {
		return s
	}
	units = 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > n-2 { // room for "\n…"
			cut := s[:i]
			if j := strings.LastIndexByte(cut, '\n'); j > 0 {
				cut = cut[:j]
			}
			return cut + "\n…"
		}
	}
	return s
}
