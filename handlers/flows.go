package handlers

import (
	"context"
	"errors"
	"fmt"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/storage"
)

// menuButtons is the main menu: continue (when part-way through a flow),
// one button per flow, ask a volunteer, language.
func (d *base) menuButtons(r *request, s domain.Session) [][]Button {
	var rows [][]Button
	if f, step, err := d.flows.Locate(s.Position); err == nil && !step.Final() && step.ID != f.Start {
		rows = append(rows, []Button{{Label: d.t(r, "flow.continue_named", "title", f.Title.In(r.lang, d.defaultLang)), Data: flows.ContinueData(f.ID)}})
	}
	for _, f := range d.flows.Flows() {
		rows = append(rows, []Button{{Label: f.Title.In(r.lang, d.defaultLang), Data: flows.StartData(f.ID)}})
	}
	rows = append(rows,
		[]Button{{Label: d.t(r, "button.ask"), Data: askButton.data(struct{}{})}},
		[]Button{{Label: d.t(r, "button.commune"), Data: communeAskButton.data(struct{}{})}, {Label: d.t(r, "button.language"), Data: langPickerButton.data(struct{}{})}},
	)
	return rows
}

// flowButton handles every flow button: start, continue, choice, back,
// restart and ask. A button from a step the chat has left is answered
// kindly and the current step is shown again; a second quick tap of the
// button that was just followed is acknowledged silently.
func (d *residentDesk) flowButton(ctx context.Context, r *request, b flows.Button) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	switch b.Kind {
	case flows.ButtonStart:
		return d.startFlow(ctx, r, s, b.Flow)
	case flows.ButtonContinue:
		return d.continueFlow(ctx, r, s, b.Flow)
	case flows.ButtonAsk:
		return d.ask(ctx, r, false)
	case flows.ButtonUrgent:
		return d.ask(ctx, r, true)
	}
	var p flows.Progress
	switch b.Kind {
	case flows.ButtonChoice:
		p, err = d.flows.Choose(ctx, s.Position, b)
	case flows.ButtonAnswer:
		p, err = d.flows.Pick(ctx, s.Position, b)
	case flows.ButtonBack:
		p, err = d.flows.Back(s.Position, b)
	case flows.ButtonRestart:
		p, err = d.flows.Restart(ctx, s.Position, b)
	}
	if err != nil {
		return d.flowTrouble(ctx, r, s, b, err)
	}
	return d.advance(ctx, r, s, p)
}

// startFlow begins a flow, or, when the chat is part-way through it, offers
// to continue or start again.
func (d *residentDesk) startFlow(ctx context.Context, r *request, s domain.Session, flowID string) (Response, error) {
	if f, step, err := d.flows.Locate(s.Position); err == nil && f.ID == flowID && !step.Final() {
		if step.ID == f.Start && len(s.History) == 0 && !s.Abandoned {
			// Just started (the button pressed twice, or delivered again
			// after a crash): the same step, not a second start.
			return Response{Replies: []Reply{d.stepReply(r, f, step, s)}}, nil
		}
		if step.ID != f.Start {
			return d.reply(r, d.t(r, "flow.resume", "title", f.Title.In(r.lang, d.defaultLang)), [][]Button{
				{{Label: d.t(r, "flow.continue"), Data: flows.ContinueData(f.ID)}},
				{{Label: d.t(r, "flow.start_again"), Data: flows.RestartData(f.ID, step.ID)}},
			}), nil
		}
	}
	p, err := d.flows.Begin(s.Position, flowID)
	if err != nil {
		return d.stale(ctx, r)
	}
	return d.advance(ctx, r, s, p)
}

// continueFlow shows the chat's current step again.
func (d *residentDesk) continueFlow(ctx context.Context, r *request, s domain.Session, flowID string) (Response, error) {
	f, step, err := d.flows.Locate(s.Position)
	if err != nil {
		return d.flowTrouble(ctx, r, s, flows.Button{Kind: flows.ButtonContinue, Flow: flowID}, err)
	}
	if f.ID != flowID {
		// An old button: the resident has moved on to another flow since.
		// Show where they are now.
		return Response{Notice: d.t(r, "button.stale"), Replies: []Reply{d.stepReply(r, f, step, s)}}, nil
	}
	return Response{Replies: []Reply{d.stepReply(r, f, step, s)}}, nil
}

// answer handles text typed at a step with an answer or buttons: an answer,
// or a button's label. Other text on a step with buttons only is kept for
// a volunteer, as anywhere else.
func (d *residentDesk) answer(ctx context.Context, r *request, s domain.Session) (Response, error) {
	p, err := d.flows.Answer(ctx, s.Position, r.Text)
	if errors.Is(err, flows.ErrStale) {
		return d.unplaced(ctx, r, s)
	}
	if err != nil {
		return d.flowTrouble(ctx, r, s, flows.Button{}, err)
	}
	if p.Invalid {
		hint := p.Step.Answer.Hint.In(r.lang, d.defaultLang)
		return d.reply(r, hint, d.stepButtons(r, p.Flow, p.Step, s)), nil
	}
	return d.advance(ctx, r, s, p)
}

// flowTrouble answers a flow button or answer that cannot be followed.
func (d *residentDesk) flowTrouble(ctx context.Context, r *request, s domain.Session, b flows.Button, err error) (Response, error) {
	switch {
	case errors.Is(err, flows.ErrStepGone):
		// The flow was edited under the resident: apologise and start it over.
		p, beginErr := d.flows.Begin(s.Position, s.FlowID)
		if beginErr != nil {
			return d.stale(ctx, r)
		}
		resp, err := d.advance(ctx, r, s, p)
		if err == nil {
			resp.Replies = append([]Reply{{ChatID: r.ChatID, Text: d.t(r, "flow.changed")}}, resp.Replies...)
		}
		return resp, err
	case errors.Is(err, flows.ErrStale):
		f, step, locErr := d.flows.Locate(s.Position)
		if locErr != nil {
			return d.stale(ctx, r)
		}
		if (b.Kind == flows.ButtonChoice || b.Kind == flows.ButtonAnswer) && justLeft(s, b) {
			// A second tap of the button just followed: already done. The
			// same tap delivered again after a crash may have moved the
			// flow without showing the step: show it.
			resp := Response{Notice: d.t(r, "button.already")}
			if r.Retry {
				resp.Replies = []Reply{d.stepReply(r, f, step, s)}
			}
			return resp, nil
		}
		return Response{Notice: d.t(r, "button.stale"), Replies: []Reply{d.stepReply(r, f, step, s)}}, nil
	case errors.Is(err, flows.ErrNotInFlow), errors.Is(err, flows.ErrUnknownFlow), err == nil:
		return d.stale(ctx, r)
	}
	return Response{}, err
}

// advance stores the session at the move's new position with compare-and-set,
// records the funnel events, and only then shows the step. If another
// instance moved the session meanwhile, the move is not applied and the
// current step is shown.
func (d *residentDesk) advance(ctx context.Context, r *request, s domain.Session, p flows.Progress) (Response, error) {
	s.Position = p.Position
	saved, err := d.store.SaveSession(ctx, s)
	if errors.Is(err, storage.ErrConflict) {
		current, loadErr := d.session(ctx, r.ChatID)
		if loadErr != nil {
			return Response{}, loadErr
		}
		f, step, locErr := d.flows.Locate(current.Position)
		if locErr != nil {
			return d.stale(ctx, r)
		}
		return Response{Notice: d.t(r, "button.already"), Replies: []Reply{d.stepReply(r, f, step, current)}}, nil
	}
	if err != nil {
		return Response{}, fmt.Errorf("handlers: save session: %w", err)
	}
	d.recordFunnel(p)
	if p.Step.Final() {
		d.recordAssist(ctx, r.UserID, domain.Assist{At: d.now(), Kind: domain.AssistFlow, FlowID: p.Flow.ID, Step: p.Step.ID,
			Outcome: string(p.Step.Outcome), Commune: r.user.Commune})
		d.scheduleFollowUp(ctx, r, p)
	}
	return Response{Replies: []Reply{d.stepReply(r, p.Flow, p.Step, saved)}}, nil
}

// recordFunnel gathers the anonymous events of a move, for RunFunnel to
// record with others.
func (d *residentDesk) recordFunnel(p flows.Progress) {
	now := d.now()
	events := make([]domain.FunnelEvent, 0, 3)
	if p.Started {
		events = append(events, domain.FunnelEvent{At: now, Kind: domain.FlowStarted, FlowID: p.Flow.ID, FlowVersion: p.Flow.Version})
	}
	events = append(events, domain.FunnelEvent{At: now, Kind: domain.StepEntered, FlowID: p.Flow.ID, FlowVersion: p.Flow.Version, Step: p.Step.ID})
	if p.Step.Final() {
		events = append(events, domain.FunnelEvent{At: now, Kind: domain.FlowFinished, FlowID: p.Flow.ID, FlowVersion: p.Flow.Version, Step: p.Step.ID, Outcome: string(p.Step.Outcome)})
	}
	d.gatherFunnel(events...)
}

// justLeft reports whether button b belongs to the step the session has
// just left, in this flow or, across flows, in the one before.
func justLeft(s domain.Session, b flows.Button) bool {
	if len(s.History) == 0 {
		return false
	}
	last := s.History[len(s.History)-1]
	return last == b.Flow+"/"+b.Step || (last == b.Step && b.Flow == s.FlowID)
}

// stepReply renders a step: its text (as a photo caption when it has an
// image), a number answer's example, and its buttons.
func (d *residentDesk) stepReply(r *request, f *flows.Flow, step *flows.Step, s domain.Session) Reply {
	text := step.Text.In(r.lang, d.defaultLang)
	if a := step.Answer; a != nil && len(a.Example) > 0 {
		text += "\n" + a.Example.In(r.lang, d.defaultLang)
	}
	reply := Reply{ChatID: r.ChatID, Text: text, Buttons: d.stepButtons(r, f, step, s)}
	if step.ImageData != nil {
		reply.Photo = &Photo{Name: step.Image, Data: step.ImageData}
	}
	return reply
}

// stepButtons: the step's choices or answer buttons; then back (on every
// step but the first, end steps included) and menu; start again on end
// steps; and ask a volunteer, which is urgent in urgent flows.
func (d *residentDesk) stepButtons(r *request, f *flows.Flow, step *flows.Step, s domain.Session) [][]Button {
	rows := make([][]Button, 0, len(step.Choices)+4)
	for i, c := range step.Choices {
		rows = append(rows, []Button{{Label: c.Label.In(r.lang, d.defaultLang), Data: flows.ChoiceData(f.ID, step.ID, i)}})
	}
	if a := step.Answer; a != nil {
		for i, label := range a.Buttons() {
			rows = append(rows, []Button{{Label: label.In(r.lang, d.defaultLang), Data: flows.AnswerData(f.ID, step.ID, i)}})
		}
	}
	nav := make([]Button, 0, 2)
	if step.ID != f.Start || len(s.History) > 0 {
		nav = append(nav, Button{Label: d.t(r, "button.back"), Data: flows.BackData(f.ID, step.ID)})
	}
	nav = append(nav, Button{Label: d.t(r, "button.menu"), Data: menuButton.data(struct{}{})})
	rows = append(rows, nav)
	if step.Final() {
		rows = append(rows, []Button{{Label: d.t(r, "button.restart"), Data: flows.RestartData(f.ID, step.ID)}})
	}
	if f.Urgent {
		return append(rows, []Button{{Label: d.t(r, "button.urgent"), Data: flows.UrgentData(f.ID, step.ID)}})
	}
	return append(rows, []Button{{Label: d.t(r, "button.ask"), Data: flows.AskData(f.ID, step.ID)}})
}
