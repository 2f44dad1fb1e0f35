package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// Follow-ups: when a resident ends a flow at a step marked follow_up (they
// submitted a dossier or paid a fee), the desk asks them once, two days
// later and outside quiet hours, how it turned out. The store keeps the
// follow-up durably (storage.FollowUps); SendFollowUps asks the due ones,
// each on one instance; the answer goes to the assist log.

// followUpLease is how long an instance holds a follow-up it took: if it
// dies before asking, another asks after this long.
const followUpLease = 10 * time.Minute

// followUpBatch bounds the follow-ups one SendFollowUps call asks.
const followUpBatch = 50

// followUpAnswer is what a follow-up's answer button carries: the outcome
// and the flow asked about.
type followUpAnswer struct {
	Outcome string
	Flow    string
}

// flowStep is a flow and one of its steps.
type flowStep struct {
	Flow string
	Step string
}

// twoWords carries two words: "<prefix><first>:<second>", each checked by
// its own test.
func twoWords[T any](prefix string, firstOK func(string) bool, join func(a, b string) T, split func(T) (string, string)) codec[T] {
	return codec[T]{prefix: prefix,
		encode: func(v T) string { a, b := split(v); return a + ":" + b },
		decode: func(p string) (T, error) {
			a, b, ok := strings.Cut(p, ":")
			if !ok || !wordPattern.MatchString(a) || !wordPattern.MatchString(b) || !firstOK(a) {
				var zero T
				return zero, fmt.Errorf("handlers: %q is not a %q payload", p, prefix)
			}
			return join(a, b), nil
		}}
}

// The follow-up's buttons.
var (
	// followUpAnswerButton answers the question: "fu:<outcome>:<flow>".
	followUpAnswerButton = twoWords("fu:", domain.ValidFollowUpOutcome,
		func(o, f string) followUpAnswer { return followUpAnswer{o, f} },
		func(v followUpAnswer) (string, string) { return v.Outcome, v.Flow })
	// followUpStopButton asks for no more follow-up questions.
	followUpStopButton = unit("fu-")
	// followUpAskButton, after "sent back", asks a volunteer about the
	// flow's step: "fq:<flow>:<step>".
	followUpAskButton = twoWords("fq:", anyWord,
		func(f, s string) flowStep { return flowStep{f, s} },
		func(v flowStep) (string, string) { return v.Flow, v.Step })
)

// followUpButtons are the resident's follow-up routes: anyone may press
// them, and each checks the store.
func (d *residentDesk) followUpButtons() []buttonRoute {
	return []buttonRoute{
		on(followUpAnswerButton, "follow-up", anyone, d.followUpAnswered),
		on(followUpStopButton, "follow-up", anyone, func(ctx context.Context, r *request, _ struct{}) (Response, error) {
			return d.followUpStop(ctx, r)
		}),
		on(followUpAskButton, "follow-up", anyone, d.followUpAsk),
	}
}

// scheduleFollowUp, after a move to step p.Step marked follow_up, keeps a
// follow-up for two days later, unless the resident asked for none. A
// failure is logged: the resident's flow goes on.
func (d *residentDesk) scheduleFollowUp(ctx context.Context, r *request, p flows.Progress) {
	if !p.Step.FollowUp || r.user.NoFollowUps {
		return
	}
	f := domain.NewFollowUp(r.UserID, p.Flow.ID, p.Step.ID, d.now())
	if err := d.store.ScheduleFollowUp(ctx, f); err != nil {
		d.log.Error("follow-up not scheduled", "flow", f.FlowID, "step", f.Step, "err", err)
	}
}

// followUpResult is what became of a follow-up taken to be asked.
type followUpResult int

const (
	followUpAsked   followUpResult = iota // the question went out
	followUpDropped                       // given up: blocked, gone, opted out, too late
	followUpLater                         // not sent: taken again after followUpLease
)

// SendFollowUps asks the follow-up questions that are due, unless it is
// quiet hours (they wait until the quiet hours end). Each follow-up is
// taken by one instance; one that could not be sent is taken again after
// followUpLease, and given up after domain.FollowUpGiveUp. It returns how
// many were asked and how many given up (the resident blocked the bot, is
// gone, or asked for none).
func (d *Desk) SendFollowUps(ctx context.Context) (asked, dropped int, err error) {
	now := d.now()
	if d.cfg.Quiet.Contains(now) {
		return 0, 0, nil
	}
	due, err := d.store.TakeDueFollowUps(ctx, now, followUpLease, followUpBatch)
	if err != nil {
		return 0, 0, fmt.Errorf("handlers: take due follow-ups: %w", err)
	}
	for _, f := range due {
		result, err := d.askFollowUp(ctx, f, now)
		if err != nil {
			return asked, dropped, err
		}
		switch result {
		case followUpAsked:
			asked++
		case followUpDropped:
			dropped++
		}
	}
	return asked, dropped, nil
}

// askFollowUp sends one follow-up question, or gives it up.
func (d *Desk) askFollowUp(ctx context.Context, f domain.FollowUp, now time.Time) (followUpResult, error) {
	u, err := d.store.GetUser(ctx, f.ResidentID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return followUpLater, fmt.Errorf("handlers: follow-up's resident: %w", err)
	}
	flow, known := d.flows.Flow(f.FlowID)
	if err != nil || u.Blocked || u.NoFollowUps || !known || f.Expired(now) {
		return followUpDropped, d.dropFollowUp(ctx, f)
	}
	lang := u.Language
	if !d.texts.Has(lang) {
		lang = d.defaultLang
	}
	reply := Reply{ChatID: u.ID, Text: d.followUpQuestion(lang, flow), Buttons: d.followUpQuestionButtons(lang, f.FlowID)}
	if _, err := d.messenger.Send(ctx, reply); err != nil {
		if again, getErr := d.store.GetUser(ctx, u.ID); getErr == nil && again.Blocked {
			return followUpDropped, d.dropFollowUp(ctx, f) // the sender marked them: they blocked the bot
		}
		d.log.Warn("follow-up not sent; will try again", "flow", f.FlowID, "err", err)
		return followUpLater, nil
	}
	if _, err := d.store.MarkFollowUpAsked(ctx, f, now.Add(domain.FollowUpAnswerWindow)); err != nil {
		return followUpAsked, fmt.Errorf("handlers: mark follow-up asked: %w", err)
	}
	return followUpAsked, nil
}

// dropFollowUp gives a follow-up up.
func (d *base) dropFollowUp(ctx context.Context, f domain.FollowUp) error {
	if err := d.store.DropFollowUp(ctx, f); err != nil {
		return fmt.Errorf("handlers: drop follow-up: %w", err)
	}
	return nil
}

// followUpQuestion is the question about the flow, in lang.
func (d *base) followUpQuestion(lang string, f *flows.Flow) string {
	return d.texts.T(lang, "followup.ask", "title", f.Title.In(lang, d.defaultLang))
}

// followUpQuestionButtons are the answers, one a row, and the opt-out.
func (d *base) followUpQuestionButtons(lang, flowID string) [][]Button {
	rows := make([][]Button, 0, len(domain.FollowUpOutcomes)+1)
	for _, o := range domain.FollowUpOutcomes {
		rows = append(rows, []Button{{Label: d.texts.T(lang, "followup."+o), Data: followUpAnswerButton.data(followUpAnswer{o, flowID})}})
	}
	return append(rows, []Button{{Label: d.texts.T(lang, "followup.stop"), Data: followUpStopButton.data(struct{}{})}})
}

// followUpAnswered records the resident's answer, once: a second tap, an
// answer after the question lapsed, or a forged one is only acknowledged.
// "Sent back" offers a volunteer.
func (d *residentDesk) followUpAnswered(ctx context.Context, r *request, v followUpAnswer) (Response, error) {
	f, err := d.store.AnswerFollowUp(ctx, r.UserID, v.Flow, d.now())
	if errors.Is(err, storage.ErrNotFound) {
		return Response{Notice: d.t(r, "followup.answered")}, nil
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: answer follow-up: %w", err)
	}
	d.recordAssist(ctx, r.UserID, domain.Assist{At: d.now(), Kind: domain.AssistFollowUp, FlowID: f.FlowID, Step: f.Step,
		Outcome: v.Outcome, Commune: r.user.Commune})
	if flow, ok := d.flows.Flow(f.FlowID); ok && r.MessageID != 0 {
		text := d.t(r, "followup.chosen", "question", d.followUpQuestion(r.lang, flow), "answer", d.t(r, "followup."+v.Outcome))
		if err := d.messenger.Edit(ctx, r.ChatID, r.MessageID, text, nil); err != nil {
			d.log.Warn("follow-up question not updated", "err", err)
		}
	}
	if v.Outcome != domain.FollowUpSentBack {
		return d.reply(r, d.t(r, "followup.thanks_"+v.Outcome), [][]Button{{{Label: d.t(r, "button.menu"), Data: menuButton.data(struct{}{})}}}), nil
	}
	return d.reply(r, d.t(r, "followup.thanks_sent_back"), [][]Button{
		{{Label: d.t(r, "button.ask"), Data: followUpAskButton.data(flowStep{f.FlowID, f.Step})}},
		{{Label: d.t(r, "button.menu"), Data: menuButton.data(struct{}{})}},
	}), nil
}

// followUpStop records that the resident wants no more follow-up
// questions and cancels theirs.
func (d *residentDesk) followUpStop(ctx context.Context, r *request) (Response, error) {
	if !r.user.NoFollowUps {
		r.user.NoFollowUps, r.user.UpdatedAt = true, d.now()
		if err := d.store.PutUser(ctx, r.user); err != nil {
			return Response{}, fmt.Errorf("handlers: save follow-up choice: %w", err)
		}
	}
	if err := d.store.CancelFollowUps(ctx, r.UserID); err != nil {
		return Response{}, fmt.Errorf("handlers: cancel follow-ups: %w", err)
	}
	if r.MessageID != 0 {
		if err := d.messenger.Edit(ctx, r.ChatID, r.MessageID, d.t(r, "followup.stopped"), nil); err != nil {
			d.log.Warn("follow-up question not updated", "err", err)
		}
	}
	return d.menu(ctx, r, "followup.stopped")
}

// followUpAsk opens a question to a volunteer about a dossier or payment
// that was sent back: the chat's session is placed at the flow's step, so
// the question carries it as context (as "ask" does from any step), with
// a first line saying what happened.
func (d *residentDesk) followUpAsk(ctx context.Context, r *request, v flowStep) (Response, error) {
	f, ok := d.flows.Flow(v.Flow)
	if !ok || f.Steps[v.Step] == nil || !f.Steps[v.Step].FollowUp {
		return d.stale(ctx, r)
	}
	if _, err := d.store.ActiveTicketOf(ctx, r.UserID); err == nil {
		return d.ask(ctx, r, false) // where their open question stands
	}
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	s.FlowID, s.FlowVersion, s.Step = f.ID, f.Version, v.Step
	s.Answers, s.History, s.Abandoned = nil, nil, false
	s.Draft = d.t(r, "followup.question", "title", f.Title.In(r.lang, d.defaultLang))
	if _, err := d.store.SaveSession(ctx, s); err != nil && !errors.Is(err, storage.ErrConflict) {
		return Response{}, fmt.Errorf("handlers: place follow-up question: %w", err)
	}
	return d.ask(ctx, r, false)
}
