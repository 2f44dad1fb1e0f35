package handlers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// The organizer's broadcast conversation: /broadcast, the content, the
// audience, a preview with the count, then send now, schedule, or cancel;
// then pause, resume or cancel it as it goes. Its buttons, each with the
// broadcast's id:
var (
	bcAudienceButton = idWordCodec("ba:", oneOf(audienceAll, audienceCommune, audienceVolunteers, audienceUnfinished))
	bcFlowButton     = idWordCodec("bf:", anyWord) // a flow id; broadcastPreview checks it
	bcCommuneButton  = idWordCodec("bm:", anyWord) // a commune code; broadcastPreview checks it
	bcGoButton       = idCodec("bg:")              // send now (waits out quiet hours)
	bcForceButton    = idCodec("bq:")              // send now, quiet hours too
	bcScheduleButton = idCodec("bs:")              // ask for a time
	bcCancelButton   = idCodec("bx:")
	bcPauseButton    = idCodec("bp:")
	bcResumeButton   = idCodec("br:")
)

// Audiences an organizer picks from, as the audience buttons write them.
const (
	audienceAll        = "all"
	audienceCommune    = "com"
	audienceVolunteers = "vol"
	audienceUnfinished = "unf"
)

// What the progress message's buttons do to a broadcast.
type broadcastAction int

const (
	actionPause broadcastAction = iota
	actionResume
	actionCancel
)

// routes are the broadcast commands, buttons and awaited inputs: for
// organizers only.
func (d *broadcastDesk) routes() routes {
	control := func(action broadcastAction) func(ctx context.Context, r *request, id int64) (Response, error) {
		return func(ctx context.Context, r *request, id int64) (Response, error) {
			return d.broadcastControl(ctx, r, id, action)
		}
	}
	return routes{
		commands: map[string]commandRoute{"broadcast": {who: organizersOnly, handle: d.broadcastStart}},
		buttons: []buttonRoute{
			on(bcAudienceButton, "broadcast", organizersOnly, func(ctx context.Context, r *request, v idWord) (Response, error) {
				return d.broadcastAudience(ctx, r, v.ID, v.Word)
			}),
			on(bcFlowButton, "broadcast", organizersOnly, func(ctx context.Context, r *request, v idWord) (Response, error) {
				return d.broadcastPreview(ctx, r, v.ID, domain.Audience{Kind: "unfinished", FlowID: v.Word})
			}),
			on(bcCommuneButton, "broadcast", organizersOnly, func(ctx context.Context, r *request, v idWord) (Response, error) {
				return d.broadcastPreview(ctx, r, v.ID, domain.Audience{Kind: "commune", Commune: v.Word})
			}),
			on(bcGoButton, "broadcast", organizersOnly, func(ctx context.Context, r *request, id int64) (Response, error) {
				return d.broadcastGo(ctx, r, id, time.Time{}, false)
			}),
			on(bcForceButton, "broadcast", organizersOnly, func(ctx context.Context, r *request, id int64) (Response, error) {
				return d.broadcastGo(ctx, r, id, time.Time{}, true)
			}),
			on(bcScheduleButton, "broadcast", organizersOnly, d.broadcastAskTime),
			on(bcCancelButton, "broadcast", organizersOnly, control(actionCancel)),
			on(bcPauseButton, "broadcast", organizersOnly, control(actionPause)),
			on(bcResumeButton, "broadcast", organizersOnly, control(actionResume)),
		},
		awaits: map[domain.AwaitKind]awaitRoute{
			domain.AwaitBroadcast: {who: organizersOnly, media: true, handle: func(ctx context.Context, r *request, _ domain.Awaiting) (Response, error) {
				return d.broadcastContent(ctx, r)
			}},
			domain.AwaitBroadcastCommune: {who: organizersOnly, handle: func(_ context.Context, r *request, a domain.Awaiting) (Response, error) {
				return d.broadcastCommuneSearch(r, a.Broadcast), nil
			}},
			domain.AwaitBroadcastTime: {who: organizersOnly, handle: func(ctx context.Context, r *request, a domain.Awaiting) (Response, error) {
				return d.broadcastTime(ctx, r, a.Broadcast)
			}},
		},
	}
}

// recipientBatch is how many recipients are stored at once.
const recipientBatch = 1000

// broadcastStart asks an organizer for the announcement's content.
func (d *broadcastDesk) broadcastStart(ctx context.Context, r *request) (Response, error) {
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Await(domain.AwaitBroadcast, 0) }); err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, "bc.ask_content"), nil), nil
}

// broadcastContent keeps the organizer's message as a draft and asks who
// should get it.
func (d *broadcastDesk) broadcastContent(ctx context.Context, r *request) (Response, error) {
	if r.Kind == EventMedia && r.Media != MediaPhoto {
		return d.reply(r, d.t(r, "bc.text_or_photo"), nil), nil
	}
	b, err := d.store.CreateBroadcast(ctx, domain.Broadcast{CreatedBy: r.UserID, State: domain.BroadcastDraft,
		SourceChatID: r.ChatID, SourceMessageID: r.MessageID, Preview: firstLine(r.Text, 200), Text: r.Text, FileID: r.FileID,
		CreatedAt: d.now()})
	if err != nil {
		return Response{}, fmt.Errorf("handlers: save broadcast draft: %w", err)
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Awaiting{} }); err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, "bc.ask_audience"), d.audienceButtons(r, b.ID)), nil
}

// audienceButtons offer the audiences: a commune organizer's are within
// their commune, so "one commune" is not offered.
func (d *broadcastDesk) audienceButtons(r *request, id int64) [][]Button {
	all := []Button{{Label: d.t(r, "bc.audience_all"), Data: bcAudienceButton.data(idWord{id, audienceAll})}}
	rows := [][]Button{all, {{Label: d.t(r, "bc.audience_commune"), Data: bcAudienceButton.data(idWord{id, audienceCommune})}}}
	if c, ok := d.places.Get(r.user.Scope); ok {
		all[0].Label = d.t(r, "bc.audience_all_of", "commune", c.Label())
		rows = rows[:1]
	}
	return append(rows,
		[]Button{{Label: d.t(r, "bc.audience_volunteers"), Data: bcAudienceButton.data(idWord{id, audienceVolunteers})}},
		[]Button{{Label: d.t(r, "bc.audience_unfinished"), Data: bcAudienceButton.data(idWord{id, audienceUnfinished})}},
		[]Button{{Label: d.t(r, "bc.cancel"), Data: bcCancelButton.data(id)}})
}

// draftFor loads a draft broadcast the organizer may change.
func (d *broadcastDesk) draftFor(ctx context.Context, r *request, id int64) (domain.Broadcast, bool, error) {
	b, err := d.store.GetBroadcast(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return b, false, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("handlers: load broadcast: %w", err)
	}
	return b, b.State == domain.BroadcastDraft && r.user.MayControl(b), nil
}

// broadcastAudience takes the audience kind; a commune or a flow needs one
// more choice.
func (d *broadcastDesk) broadcastAudience(ctx context.Context, r *request, id int64, kind string) (Response, error) {
	if _, ok, err := d.draftFor(ctx, r, id); err != nil || !ok {
		return d.notice(r, d.t(r, "button.stale")), err
	}
	switch kind {
	case audienceAll:
		return d.broadcastPreview(ctx, r, id, domain.Audience{Kind: "all"})
	case audienceVolunteers:
		return d.broadcastPreview(ctx, r, id, domain.Audience{Kind: "volunteers"})
	case audienceCommune:
		if r.user.Scope != "" {
			return d.broadcastPreview(ctx, r, id, domain.Audience{Kind: "commune", Commune: r.user.Scope})
		}
		if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Await(domain.AwaitBroadcastCommune, id) }); err != nil {
			return Response{}, err
		}
		return d.reply(r, d.t(r, "bc.ask_commune"), nil), nil
	case audienceUnfinished:
		var rows [][]Button
		for _, f := range d.flows.Flows() {
			rows = append(rows, []Button{{Label: f.Title.In(r.lang, d.defaultLang), Data: bcFlowButton.data(idWord{id, f.ID})}})
		}
		return d.reply(r, d.t(r, "bc.ask_flow"), rows), nil
	}
	return d.refuse(r, "broadcast audience"), nil
}

// broadcastCommuneSearch offers the communes matching the typed name.
func (d *broadcastDesk) broadcastCommuneSearch(r *request, id int64) Response {
	hits := d.places.Search(r.Text, communeChoices)
	if len(hits) == 0 {
		return d.reply(r, d.t(r, "commune.none"), nil)
	}
	rows := communeRows(hits, func(code string) string { return bcCommuneButton.data(idWord{id, code}) })
	return d.reply(r, d.t(r, "commune.pick"), rows)
}

// broadcastPreview stores the audience, shows the message as recipients
// will see it and how many will get it, and asks to confirm.
func (d *broadcastDesk) broadcastPreview(ctx context.Context, r *request, id int64, a domain.Audience) (Response, error) {
	b, ok, err := d.draftFor(ctx, r, id)
	if err != nil || !ok {
		return d.notice(r, d.t(r, "button.stale")), err
	}
	if a, ok = r.user.Limit(a); !ok {
		return d.refuse(r, "broadcast to another commune"), nil
	}
	if a.Kind == "commune" {
		if _, known := d.places.Get(a.Commune); !known {
			return d.refuse(r, "broadcast commune"), nil
		}
	}
	if a.Kind == "unfinished" {
		if _, known := d.flows.Flow(a.FlowID); !known {
			return d.refuse(r, "broadcast flow"), nil
		}
	}
	b.Audience = a
	if b, err = d.store.UpdateBroadcast(ctx, b); err != nil {
		return Response{}, fmt.Errorf("handlers: save audience: %w", err)
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Awaiting{} }); err != nil {
		return Response{}, err
	}
	recipients, err := d.recipients(ctx, a)
	if err != nil {
		return Response{}, err
	}
	previewFailed := d.messenger.Copy(ctx, r.ChatID, b.SourceChatID, b.SourceMessageID, "")
	if previewFailed != nil {
		d.log.Warn("broadcast preview not shown", "err", previewFailed)
	}
	minutes := int(math.Ceil(float64(len(recipients)) / math.Max(d.cfg.BroadcastRate, 0.1) / 60))
	text := d.t(r, "bc.preview", "n", strconv.Itoa(len(recipients)), "audience", d.audienceName(r.lang, a), "min", strconv.Itoa(minutes))
	if previewFailed != nil {
		text = d.t(r, "bc.preview_failed") + "\n" + text
	}
	rows := [][]Button{{{Label: d.t(r, "bc.send_now"), Data: bcGoButton.data(id)}}}
	if d.cfg.Quiet.Contains(d.now()) {
		text += "\n" + d.t(r, "bc.quiet_now", "hour", strconv.Itoa(d.cfg.Quiet.End))
		rows = append(rows, []Button{{Label: d.t(r, "bc.send_force"), Data: bcForceButton.data(id)}})
	}
	rows = append(rows, []Button{{Label: d.t(r, "bc.schedule"), Data: bcScheduleButton.data(id)}}, []Button{{Label: d.t(r, "bc.cancel"), Data: bcCancelButton.data(id)}})
	return d.reply(r, text, rows), nil
}

// broadcastAskTime asks when to send.
func (d *broadcastDesk) broadcastAskTime(ctx context.Context, r *request, id int64) (Response, error) {
	if _, ok, err := d.draftFor(ctx, r, id); err != nil || !ok {
		return d.notice(r, d.t(r, "button.stale")), err
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Await(domain.AwaitBroadcastTime, id) }); err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, "bc.ask_time"), nil), nil
}

// broadcastTime takes a typed time ("19:30", "10/10 08:00", local time).
func (d *broadcastDesk) broadcastTime(ctx context.Context, r *request, id int64) (Response, error) {
	at, ok := parseWhen(strings.TrimSpace(r.Text), d.now(), d.cfg.Quiet.Location)
	if !ok {
		return d.reply(r, d.t(r, "bc.bad_time"), nil), nil
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Awaiting = domain.Awaiting{} }); err != nil {
		return Response{}, err
	}
	return d.broadcastGo(ctx, r, id, at, false)
}

// parseWhen reads "HH:MM" (the next such time) or "dd/mm HH:MM" (the next
// such date) in loc.
func parseWhen(text string, now time.Time, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	if t, err := time.ParseInLocation("15:04", text, loc); err == nil {
		at := time.Date(local.Year(), local.Month(), local.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		if !at.After(local) {
			at = at.AddDate(0, 0, 1)
		}
		return at, true
	}
	if t, err := time.ParseInLocation("2/1 15:04", text, loc); err == nil {
		at := time.Date(local.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		if !at.After(local) {
			at = at.AddDate(1, 0, 0)
		}
		return at, true
	}
	return time.Time{}, false
}

// broadcastGo fixes the recipients and hands the broadcast to the senders:
// now (waiting out quiet hours unless forced) or at a time.
func (d *broadcastDesk) broadcastGo(ctx context.Context, r *request, id int64, at time.Time, force bool) (Response, error) {
	b, ok, err := d.draftFor(ctx, r, id)
	if err != nil || !ok {
		return d.notice(r, d.t(r, "button.already")), err
	}
	// Leave the draft first, so a second tap cannot add the recipients twice.
	if err := b.Prepare(r.user); err != nil {
		return d.refuse(r, "broadcast"), nil
	}
	if b, err = d.store.PrepareBroadcast(ctx, b); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return d.notice(r, d.t(r, "button.already")), nil
		}
		return Response{}, fmt.Errorf("handlers: prepare broadcast: %w", err)
	}
	recipients, err := d.recipients(ctx, b.Audience)
	if err != nil {
		return Response{}, err
	}
	for start := 0; start < len(recipients); start += recipientBatch {
		if err := d.store.AddRecipients(ctx, b.ID, recipients[start:min(start+recipientBatch, len(recipients))]); err != nil {
			return Response{}, fmt.Errorf("handlers: add recipients: %w", err)
		}
	}
	if err := b.Confirm(r.user, force, at, d.now()); err != nil {
		return Response{}, fmt.Errorf("handlers: confirm broadcast: %w", err)
	}
	msgID, progressErr := d.messenger.Send(ctx, Reply{ChatID: r.ChatID, Text: d.progressText(r.lang, b, domain.BroadcastCounts{Total: len(recipients)})})
	if progressErr != nil {
		d.log.Warn("broadcast progress message not sent", "err", progressErr)
	}
	b.ProgressChatID, b.ProgressMessageID = r.ChatID, msgID
	if b, err = d.store.ConfirmBroadcast(ctx, b); err != nil {
		return Response{}, fmt.Errorf("handlers: start broadcast: %w", err)
	}
	d.progress(ctx, b, domain.BroadcastCounts{Total: len(recipients)}, false)
	d.log.Info("broadcast confirmed", "broadcast", b.ID, "recipients", len(recipients))
	if progressErr != nil {
		return Response{Notice: d.t(r, "bc.confirmed"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "bc.progress_failed")}}}, nil
	}
	return Response{Notice: d.t(r, "bc.confirmed")}, nil
}

// broadcastControl pauses, resumes or cancels a broadcast.
func (d *broadcastDesk) broadcastControl(ctx context.Context, r *request, id int64, action broadcastAction) (Response, error) {
	for range 3 {
		b, err := d.store.GetBroadcast(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			return d.notice(r, d.t(r, "button.stale")), nil
		}
		if err != nil {
			return Response{}, fmt.Errorf("handlers: load broadcast: %w", err)
		}
		saved, err := d.moveBroadcast(ctx, r.user, b, action)
		if errors.Is(err, domain.ErrNotAllowed) {
			return d.refuse(r, "steer another organizer's broadcast"), nil
		}
		if errors.Is(err, domain.ErrIllegal) {
			return d.notice(r, d.t(r, "button.stale")), nil
		}
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		if err != nil {
			return Response{}, fmt.Errorf("handlers: change broadcast: %w", err)
		}
		counts, err := d.store.BroadcastCounts(ctx, id)
		if err != nil {
			return Response{}, fmt.Errorf("handlers: broadcast counts: %w", err)
		}
		d.progress(ctx, saved, counts, saved.State == domain.BroadcastCanceled)
		if saved.State == domain.BroadcastCanceled {
			if err := d.store.ReleaseRecipients(ctx, id); err != nil {
				d.log.Warn("recipients of a canceled broadcast not released", "broadcast", id, "err", err)
			}
		}
		if saved.ProgressMessageID == 0 {
			return d.reply(r, d.progressText(r.lang, saved, counts), nil), nil
		}
		return Response{Notice: d.t(r, "bc.state_"+string(saved.State))}, nil
	}
	return d.notice(r, d.t(r, "button.stale")), nil
}

// moveBroadcast pauses, resumes or cancels b, and stores the move.
func (d *broadcastDesk) moveBroadcast(ctx context.Context, by domain.User, b domain.Broadcast, action broadcastAction) (domain.Broadcast, error) {
	switch action {
	case actionPause:
		if err := b.Pause(by); err != nil {
			return b, err
		}
		return d.store.PauseBroadcast(ctx, b)
	case actionResume:
		if err := b.Resume(by); err != nil {
			return b, err
		}
		return d.store.ResumeBroadcast(ctx, b)
	}
	if err := b.Cancel(by, d.now()); err != nil {
		return b, err
	}
	return d.store.CancelBroadcast(ctx, b)
}

// BroadcastProgress edits the organizer's progress message: counts, state,
// and the buttons that fit the state. The broadcast runner calls it as it
// sends.
func (d *Desk) BroadcastProgress(ctx context.Context, b domain.Broadcast, c domain.BroadcastCounts, final bool) {
	d.broadcasts.progress(ctx, b, c, final)
}

func (d *broadcastDesk) progress(ctx context.Context, b domain.Broadcast, c domain.BroadcastCounts, final bool) {
	lang := d.langOf(ctx, b.CreatedBy)
	if b.ProgressMessageID == 0 {
		// No progress message to edit (it could not be sent): the
		// organizer still gets the result.
		if final {
			if _, err := d.messenger.Send(ctx, Reply{ChatID: b.CreatedBy, Text: d.progressText(lang, b, c)}); err != nil {
				d.log.Warn("broadcast result not sent", "broadcast", b.ID, "err", err)
			}
		}
		return
	}
	var buttons [][]Button
	switch b.State {
	case domain.BroadcastRunning, domain.BroadcastScheduled:
		buttons = [][]Button{{{Label: d.texts.T(lang, "bc.pause"), Data: bcPauseButton.data(b.ID)}, {Label: d.texts.T(lang, "bc.cancel"), Data: bcCancelButton.data(b.ID)}}}
	case domain.BroadcastPaused:
		buttons = [][]Button{{{Label: d.texts.T(lang, "bc.resume"), Data: bcResumeButton.data(b.ID)}, {Label: d.texts.T(lang, "bc.cancel"), Data: bcCancelButton.data(b.ID)}}}
	}
	if final {
		buttons = nil
	}
	if err := d.messenger.Edit(ctx, b.ProgressChatID, b.ProgressMessageID, d.progressText(lang, b, c), buttons); err != nil {
		d.log.Warn("broadcast progress not updated", "broadcast", b.ID, "err", err)
	}
}

func (d *broadcastDesk) progressText(lang string, b domain.Broadcast, c domain.BroadcastCounts) string {
	text := d.texts.T(lang, "bc.progress", "id", strconv.FormatInt(b.ID, 10), "done", strconv.Itoa(c.Done()), "total", strconv.Itoa(c.Total),
		"sent", strconv.Itoa(c.Sent), "blocked", strconv.Itoa(c.Blocked), "failed", strconv.Itoa(c.Failed))
	state := d.texts.T(lang, "bc.state_"+string(b.State))
	if b.State == domain.BroadcastScheduled && b.ScheduledAt.After(d.now()) {
		state = d.texts.T(lang, "bc.scheduled_at", "when", b.ScheduledAt.In(d.location()).Format("02/01 15:04"))
	} else if (b.State == domain.BroadcastRunning || b.State == domain.BroadcastScheduled) && !b.Force && d.cfg.Quiet.Contains(d.now()) {
		state = d.texts.T(lang, "bc.waiting_quiet", "hour", strconv.Itoa(d.cfg.Quiet.End))
	}
	return text + "\n" + state
}

func (d *base) location() *time.Location {
	if d.cfg.Quiet.Location != nil {
		return d.cfg.Quiet.Location
	}
	return time.UTC
}

// audienceName describes an audience in lang.
func (d *broadcastDesk) audienceName(lang string, a domain.Audience) string {
	name := d.audienceKindName(lang, a)
	if c, ok := d.places.Get(a.Scope); ok && a.Kind != "commune" {
		name += " · " + c.Label()
	}
	return name
}

// audienceKindName names an audience's kind in lang.
func (d *broadcastDesk) audienceKindName(lang string, a domain.Audience) string {
	switch a.Kind {
	case "commune":
		c, _ := d.places.Get(a.Commune)
		return c.Label()
	case "volunteers":
		return d.texts.T(lang, "bc.audience_volunteers")
	case "unfinished":
		f, _ := d.flows.Flow(a.FlowID)
		return d.texts.T(lang, "bc.audience_unfinished_named", "flow", f.Title.In(lang, d.defaultLang))
	}
	return d.texts.T(lang, "bc.audience_all")
}

// recipients lists the users an audience reaches now: never users who
// blocked the bot or asked for no announcements.
func (d *broadcastDesk) recipients(ctx context.Context, a domain.Audience) ([]int64, error) {
	roles := []domain.Role{domain.RoleResident, domain.RoleVolunteer, domain.RoleOrganizer}
	switch a.Kind {
	case "volunteers":
		roles = roles[1:]
	case "unfinished":
		roles = roles[:1]
	}
	var out []int64
	for _, role := range roles {
		users, err := d.store.UsersWithRole(ctx, role)
		if err != nil {
			return nil, fmt.Errorf("handlers: list %ss: %w", role, err)
		}
		for _, u := range users {
			if u.Blocked || u.NoAnnouncements || (a.Kind == "commune" && u.Commune != a.Commune) || (a.Scope != "" && u.Commune != a.Scope) {
				continue
			}
			out = append(out, u.ID)
		}
	}
	if a.Kind == "unfinished" {
		return d.inFlow(ctx, out, a.FlowID)
	}
	return out, nil
}

// inFlow keeps the chats that are part-way through the flow: their session
// is at a step of it that is not a final one.
func (d *broadcastDesk) inFlow(ctx context.Context, chats []int64, flowID string) ([]int64, error) {
	sessions, err := d.store.GetSessions(ctx, chats)
	if err != nil {
		return nil, fmt.Errorf("handlers: read sessions: %w", err)
	}
	out := chats[:0]
	for _, s := range sessions {
		if f, step, err := d.flows.Locate(s.Position); err == nil && f.ID == flowID && !step.Final() {
			out = append(out, s.ChatID)
		}
	}
	return out, nil
}

// BroadcastButtons are the buttons under every announcement: the way to
// stop them.
func (d *Desk) BroadcastButtons() [][]Button {
	return [][]Button{{{Label: d.texts.T(d.defaultLang, "announce.stop"), Data: announceOffButton.data(struct{}{})}}}
}
