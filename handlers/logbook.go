package handlers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/rollup"
)

// The logbook: a volunteer logs help given in person in at most four taps,
// /log, the topic, the commune (theirs first), how many people; then may
// add a note or undo it within domain.UndoWindow. What was chosen so far
// is in the volunteer's session (domain.LogDraft), never in button data
// alone: a button carries only the choice it makes.
var (
	logTopicButton        = wordCodec("lt:", domain.IsTopic)
	logCommuneButton      = wordCodec("lc:", anyWord) // a commune code; logCommune checks it
	logOtherCommuneButton = unit("lc-")
	logPeopleButton       = codec[int]{prefix: "lp:", encode: strconv.Itoa, decode: parsePresetPeople}
	logOtherPeopleButton  = unit("lp-")
	logNoteButton         = assistIDCodec("ln:")
	logUndoButton         = assistIDCodec("lu:")
)

// peoplePresets are the numbers /log offers as buttons; any other is typed.
var peoplePresets = []int{1, 2, 3, 5, 10}

// maxPeople bounds a typed number of people helped at once.
const maxPeople = 500

// maxNoteRunes bounds a note on an in-person record.
const maxNoteRunes = 500

// assistIDCodec carries an assist record's id, "<prefix><id>": only the
// form rollup.NewAssistID makes (the stores take no other id).
func assistIDCodec(prefix string) codec[string] {
	return codec[string]{prefix: prefix, encode: func(id string) string { return id },
		decode: func(id string) (string, error) {
			if _, err := rollup.AssistIDMillis(id); err != nil {
				return "", fmt.Errorf("handlers: %q payload: %w", prefix, err)
			}
			return id, nil
		}}
}

func parsePresetPeople(s string) (int, error) {
	n, err := strconv.Atoi(s)
	for _, p := range peoplePresets {
		if err == nil && n == p {
			return n, nil
		}
	}
	return 0, fmt.Errorf("handlers: %q is not a preset number of people", s)
}

// logRoutes are the logbook's command, buttons and awaited input: for
// volunteers (organizers are volunteers too).
func (d *volunteerDesk) logRoutes() routes {
	return routes{
		commands: map[string]commandRoute{"log": {who: volunteersOnly, handle: d.logStart}},
		buttons: []buttonRoute{
			on(logTopicButton, "log", volunteersOnly, d.logTopic),
			on(logCommuneButton, "log", volunteersOnly, d.logCommune),
			on(logOtherCommuneButton, "log", volunteersOnly, func(ctx context.Context, r *request, _ struct{}) (Response, error) {
				return d.logOtherCommune(ctx, r)
			}),
			on(logPeopleButton, "log", volunteersOnly, d.logRecord),
			on(logOtherPeopleButton, "log", volunteersOnly, func(ctx context.Context, r *request, _ struct{}) (Response, error) {
				return d.logOtherPeople(ctx, r)
			}),
			on(logNoteButton, "log note", volunteersOnly, d.logNoteAsk),
			on(logUndoButton, "log undo", volunteersOnly, d.logUndo),
		},
		awaits: map[domain.AwaitKind]awaitRoute{
			domain.AwaitLogCommune: {who: volunteersOnly, handle: func(_ context.Context, r *request, _ domain.Awaiting) (Response, error) {
				return d.logCommuneSearch(r), nil
			}},
			domain.AwaitLogPeople: {who: volunteersOnly, handle: func(ctx context.Context, r *request, _ domain.Awaiting) (Response, error) {
				return d.logPeopleTyped(ctx, r)
			}},
			domain.AwaitLogNote: {who: volunteersOnly, handle: d.logNote},
		},
	}
}

// logStart begins a /log: which topic was the help about?
func (d *volunteerDesk) logStart(ctx context.Context, r *request) (Response, error) {
	err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) {
		s.Log.Topic, s.Log.Commune, s.Awaiting = "", "", domain.Awaiting{}
	})
	if err != nil {
		return Response{}, err
	}
	rows := make([][]Button, 0, len(domain.Topics))
	for _, topic := range domain.Topics {
		rows = append(rows, []Button{{Label: d.t(r, "log.topic_"+topic), Data: logTopicButton.data(topic)}})
	}
	return d.reply(r, d.t(r, "log.ask_topic"), rows), nil
}

// logTopic keeps the topic and asks where: the volunteer's own commune
// first, or another one, searched by name.
func (d *volunteerDesk) logTopic(ctx context.Context, r *request, topic string) (Response, error) {
	home, hasHome := d.places.Get(r.user.Home())
	err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) {
		s.Log.Topic, s.Log.Commune, s.Awaiting = topic, "", domain.Awaiting{}
		if !hasHome {
			s.Awaiting = domain.Awaiting{Kind: domain.AwaitLogCommune}
		}
	})
	if err != nil {
		return Response{}, err
	}
	if !hasHome {
		return d.reply(r, d.t(r, "log.type_commune"), nil), nil
	}
	return d.reply(r, d.t(r, "log.ask_commune", "topic", d.t(r, "log.topic_"+topic)), [][]Button{
		{{Label: d.t(r, "log.commune_home", "commune", home.Label()), Data: logCommuneButton.data(home.Code)}},
		{{Label: d.t(r, "log.commune_other"), Data: logOtherCommuneButton.data(struct{}{})}},
	}), nil
}

// logOtherCommune asks for another commune's name.
func (d *volunteerDesk) logOtherCommune(ctx context.Context, r *request) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	if s.Log.Topic == "" {
		return d.logLapsed(r), nil
	}
	s.Awaiting = domain.Awaiting{Kind: domain.AwaitLogCommune}
	if err := d.saveSession(ctx, s); err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, "log.type_commune"), nil), nil
}

// logCommuneSearch offers the communes whose name matches what was typed.
func (d *volunteerDesk) logCommuneSearch(r *request) Response {
	hits := d.places.Search(r.Text, communeChoices)
	if len(hits) == 0 {
		return d.reply(r, d.t(r, "log.commune_none"), nil)
	}
	return d.reply(r, d.t(r, "log.commune_pick"), communeRows(hits, logCommuneButton.data))
}

// logCommune keeps the commune and asks how many people were helped: a
// button, or a typed number.
func (d *volunteerDesk) logCommune(ctx context.Context, r *request, code string) (Response, error) {
	c, ok := d.places.Get(code)
	if !ok {
		return d.refuse(r, "log commune"), nil
	}
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	if s.Log.Topic == "" {
		return d.logLapsed(r), nil
	}
	s.Log.Commune, s.Awaiting = c.Code, domain.Awaiting{Kind: domain.AwaitLogPeople}
	if err := d.saveSession(ctx, s); err != nil {
		return Response{}, err
	}
	var presets []Button
	for _, n := range peoplePresets {
		presets = append(presets, Button{Label: strconv.Itoa(n), Data: logPeopleButton.data(n)})
	}
	return d.reply(r, d.t(r, "log.ask_people", "commune", c.Label()), [][]Button{
		presets, {{Label: d.t(r, "log.people_other"), Data: logOtherPeopleButton.data(struct{}{})}},
	}), nil
}

// logOtherPeople asks for the number to be typed.
func (d *volunteerDesk) logOtherPeople(ctx context.Context, r *request) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	if s.Log.Topic == "" || s.Log.Commune == "" {
		return d.logLapsed(r), nil
	}
	return d.reply(r, d.t(r, "log.type_people", "max", strconv.Itoa(maxPeople)), nil), nil
}

// logPeopleTyped reads a typed number of people ("4", "4 người").
func (d *volunteerDesk) logPeopleTyped(ctx context.Context, r *request) (Response, error) {
	fields := strings.Fields(r.Text)
	n := 0
	if len(fields) > 0 {
		n, _ = strconv.Atoi(fields[0])
	}
	if n < 1 || n > maxPeople {
		return d.reply(r, d.t(r, "log.people_invalid", "max", strconv.Itoa(maxPeople)), nil), nil
	}
	return d.logRecord(ctx, r, n)
}

// logRecord saves the in-person record at the last tap, and offers a note
// and an undo.
func (d *volunteerDesk) logRecord(ctx context.Context, r *request, people int) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	if s.Log.Topic == "" || s.Log.Commune == "" {
		return d.logLapsed(r), nil
	}
	now := d.now()
	id := rollup.NewAssistID(now)
	a := domain.Assist{At: now, Kind: domain.AssistInPerson, ID: id, VolunteerID: r.UserID, Commune: s.Log.Commune, Topic: s.Log.Topic, People: people}
	if err := d.store.RecordAssist(ctx, a); err != nil {
		return Response{}, fmt.Errorf("handlers: record in-person help: %w", err)
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) { s.Log.Logged(id, now); s.Awaiting = domain.Awaiting{} }); err != nil {
		return Response{}, err
	}
	d.log.Info("in-person help logged", "topic", a.Topic, "people", people)
	c, _ := d.places.Get(a.Commune)
	text := d.t(r, "log.saved", "topic", d.t(r, "log.topic_"+a.Topic), "commune", c.Label(), "people", strconv.Itoa(people),
		"min", strconv.Itoa(int(domain.UndoWindow.Minutes())))
	return Response{Notice: d.t(r, "log.saved_short"), Replies: []Reply{{ChatID: r.ChatID, Text: text, Buttons: [][]Button{
		{{Label: d.t(r, "log.add_note"), Data: logNoteButton.data(id)}},
		{{Label: d.t(r, "log.undo"), Data: logUndoButton.data(id)}},
	}}}}, nil
}

// logLapsed answers a /log button whose earlier choices are gone (a
// record already saved, or an old message).
func (d *volunteerDesk) logLapsed(r *request) Response {
	return Response{Notice: d.t(r, "button.stale"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "log.lapsed")}}}
}

// notYours refuses a note or an undo of a record that is not among the
// volunteer's own latest: forged, or another volunteer's.
func (d *volunteerDesk) notYours(r *request, action string) Response {
	d.log.Warn("refused: not the volunteer's record", "action", action, "update_id", r.UpdateID)
	return Response{Notice: d.t(r, "auth.refused"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "log.not_yours")}}}
}

// logNoteAsk asks for a note on one of the volunteer's latest records.
func (d *volunteerDesk) logNoteAsk(ctx context.Context, r *request, id string) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	if _, ok := s.Log.Find(id); !ok {
		return d.notYours(r, "log note"), nil
	}
	s.Awaiting = domain.Awaiting{Kind: domain.AwaitLogNote, Assist: id}
	if err := d.saveSession(ctx, s); err != nil {
		return Response{}, err
	}
	return d.reply(r, d.t(r, "log.ask_note"), nil), nil
}

// logNote keeps the typed note, masked, on the record.
func (d *volunteerDesk) logNote(ctx context.Context, r *request, a domain.Awaiting) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	s.Awaiting = domain.Awaiting{}
	if err := d.saveSession(ctx, s); err != nil {
		return Response{}, err
	}
	if _, ok := s.Log.Find(a.Assist); !ok {
		return d.reply(r, d.t(r, "log.lapsed"), nil), nil
	}
	masked, hadSecrets := maskSecrets(strings.TrimSpace(r.Text))
	if err := d.store.NoteAssist(ctx, a.Assist, truncate(masked, maxNoteRunes)); err != nil {
		return Response{}, fmt.Errorf("handlers: note in-person help: %w", err)
	}
	var replies []Reply
	if hadSecrets {
		replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "log.note_masked")})
	}
	replies = append(replies, Reply{ChatID: r.ChatID, Text: d.t(r, "log.note_saved", "note", truncate(masked, maxNoteRunes))})
	return Response{Replies: replies}, nil
}

// logUndo withdraws one of the volunteer's own latest records, within
// domain.UndoWindow of logging it.
func (d *volunteerDesk) logUndo(ctx context.Context, r *request, id string) (Response, error) {
	s, err := d.session(ctx, r.ChatID)
	if err != nil {
		return Response{}, err
	}
	l, ok := s.Log.Find(id)
	if !ok {
		return d.notYours(r, "log undo"), nil
	}
	if !l.CanUndo(d.now()) {
		text := d.t(r, "log.undo_expired", "min", strconv.Itoa(int(domain.UndoWindow.Minutes())))
		return Response{Notice: d.t(r, "log.undo_expired_short"), Replies: []Reply{{ChatID: r.ChatID, Text: text}}}, nil
	}
	_, withdrawErr := d.store.WithdrawAssist(ctx, id)
	if withdrawErr != nil && !errors.Is(withdrawErr, storage.ErrNotFound) {
		return Response{}, fmt.Errorf("handlers: undo in-person help: %w", withdrawErr)
	}
	if err := d.updateSession(ctx, r.ChatID, func(s *domain.Session) {
		s.Log.Forget(id)
		if s.Awaiting.Assist == id {
			s.Awaiting = domain.Awaiting{}
		}
	}); err != nil {
		return Response{}, err
	}
	if withdrawErr != nil {
		return d.notice(r, d.t(r, "button.already")), nil // undone already
	}
	d.log.Info("in-person help undone")
	return Response{Notice: d.t(r, "log.undone"), Replies: []Reply{{ChatID: r.ChatID, Text: d.t(r, "log.undone")}}}, nil
}

// saveSession stores a session the caller loaded and changed; a conflict
// (the chat's state moved meanwhile) is an error to try again on.
func (d *base) saveSession(ctx context.Context, s domain.Session) error {
	if _, err := d.store.SaveSession(ctx, s); err != nil {
		return fmt.Errorf("handlers: save session: %w", err)
	}
	return nil
}
