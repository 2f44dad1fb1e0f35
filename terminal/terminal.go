// Package terminal is a channel of the desk in a terminal: a few simulated
// people (a resident, a volunteer, an organizer) type lines, and the desk's
// replies print as text with numbered buttons. `hotroso try` runs on it. It
// knows the desk only through the neutral handlers.Event and Reply, as
// bot/ does for Telegram, and links no test code.
package terminal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/handlers"
)

// Desk is the desk as the terminal sees it.
type Desk interface {
	Handle(ctx context.Context, ev handlers.Event) (handlers.Response, error)
	// Apology is shown when handling failed unexpectedly.
	Apology(ev handlers.Event) handlers.Reply
	// Busy is shown when the store is unavailable.
	Busy(ev handlers.Event) handlers.Reply
}

// Person is one simulated user with a private chat with the bot, whose id
// is the person's id.
type Person struct {
	Role     string
	ID       int64
	Language string
}

// Config is what a Terminal needs.
type Config struct {
	People []Person
	// Out is where everything prints.
	Out io.Writer
	// Files is the folder photos the desk sends (charts) are written to.
	Files string
	// Quiet is how long the desk must have sent nothing before the next
	// typed line is read; Settle bounds that wait. Defaults: 100 ms, 2 s.
	Quiet, Settle time.Duration
	// BotUsername is the simulated bot's username.
	BotUsername string
}

// Help is printed when the terminal starts.
const Help = `hotroso try: the real desk, in this terminal.
  type a message to send it; type a button's number to press it
  /as resident | /as volunteer | /as organizer   switch who you are
  /photo [caption]                               send a photo (a screenshot)
  /quit                                          leave`

// message is one message of a chat, the person's or the bot's.
type message struct {
	id      int
	text    string
	photo   string // a photo's file, or "" for text
	buttons [][]handlers.Button
}

// Terminal is the channel. Its Messenger and Deliverer methods are safe for
// concurrent use: the desk's background jobs send through them too.
type Terminal struct {
	cfg Config

	mu       sync.Mutex
	current  Person
	chats    map[int64][]message
	nextID   int
	shown    map[int64]int // messages of each chat printed or announced
	buttons  []handlers.Button
	onMsg    int
	updateID int64
	lastSent time.Time
	sent     chan struct{} // closed and replaced on every message the desk sends
}

// New makes a terminal for the people in cfg.
func New(cfg Config) *Terminal {
	if cfg.Quiet <= 0 {
		cfg.Quiet = 100 * time.Millisecond
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 2 * time.Second
	}
	return &Terminal{cfg: cfg, chats: map[int64][]message{}, shown: map[int64]int{}, sent: make(chan struct{})}
}

// asCommand is the only way to switch roles: "/as" and a role, exactly.
var asCommand = regexp.MustCompile(`^/as\s+(\S+)$`)

// Run reads lines from in until /quit or the end of input, sends each to
// the desk as the current person, and waits, after each, until the desk
// has gone quiet (at most Settle), so that a script piped in behaves like
// a person typing and the last replies print before Run returns.
func (t *Terminal) Run(ctx context.Context, desk Desk, in io.Reader) error {
	t.printf("%s\n", Help)
	t.switchTo(t.cfg.People[0].Role)
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 64*1024), 1<<20)
	for scanner.Scan() {
		if ctx.Err() != nil {
			return nil
		}
		line := strings.TrimSpace(scanner.Text())
		if line == "/quit" || line == "/exit" {
			return nil
		}
		t.typed(ctx, desk, line)
		t.settle(ctx)
	}
	if err := scanner.Err(); err != nil {
		return fmt.Errorf("terminal: read input: %w", err)
	}
	return nil
}

// typed handles one typed line.
func (t *Terminal) typed(ctx context.Context, desk Desk, line string) {
	if line == "" {
		return
	}
	if m := asCommand.FindStringSubmatch(line); m != nil {
		if !t.switchTo(m[1]) {
			t.printf("who? /as resident, /as volunteer or /as organizer\n")
		}
		return
	}
	if n, err := strconv.Atoi(line); err == nil {
		if ev, ok := t.press(n); ok {
			t.deliver(ctx, desk, ev)
		}
		return
	}
	me := t.me()
	ev := handlers.Event{ChatID: me.ID, UserID: me.ID, LanguageCode: me.Language}
	switch {
	case line == "/photo" || strings.HasPrefix(line, "/photo "):
		caption := strings.TrimSpace(strings.TrimPrefix(line, "/photo"))
		ev.Kind, ev.Media, ev.Text = handlers.EventMedia, handlers.MediaPhoto, caption
		ev.MessageID = t.record(me.ID, message{text: caption, photo: "screenshot.png"})
	case strings.HasPrefix(line, "/") && len(line) > 1:
		name, args, _ := strings.Cut(line[1:], " ")
		ev.Kind, ev.Command, ev.Args, ev.Text = handlers.EventCommand, strings.ToLower(name), strings.TrimSpace(args), line
		ev.MessageID = t.record(me.ID, message{text: line})
	default:
		ev.Kind, ev.Text = handlers.EventText, line
		ev.MessageID = t.record(me.ID, message{text: line})
	}
	t.deliver(ctx, desk, ev)
}

// deliver hands an event to the desk and shows its answer, as bot/ does:
// an error becomes a kind message, a notice prints under the button.
func (t *Terminal) deliver(ctx context.Context, desk Desk, ev handlers.Event) {
	t.mu.Lock()
	t.updateID++
	ev.UpdateID = t.updateID
	t.mu.Unlock()
	resp, _ := handlers.HandleKindly(ctx, desk, ev) // the terminal shows the kind answer
	if resp.Notice != "" {
		t.printf("   ↳ %s\n", resp.Notice)
	}
	for _, r := range resp.Replies {
		if r.ChatID == 0 {
			r.ChatID = ev.ChatID
		}
		if _, err := t.Send(ctx, r); err != nil {
			t.printf("(not sent: %v)\n", err)
		}
	}
}

// settle waits until the desk has sent nothing for Quiet, or Settle has
// passed.
func (t *Terminal) settle(ctx context.Context) {
	deadline := time.NewTimer(t.cfg.Settle)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		sent, since := t.sent, time.Since(t.lastSent)
		t.mu.Unlock()
		if since >= t.cfg.Quiet {
			return
		}
		quiet := time.NewTimer(t.cfg.Quiet - since)
		select {
		case <-ctx.Done():
			quiet.Stop()
			return
		case <-deadline.C:
			quiet.Stop()
			return
		case <-sent:
		case <-quiet.C:
		}
		quiet.Stop()
	}
}

// me is the current person.
func (t *Terminal) me() Person {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current
}

// switchTo makes role the current person and prints what they missed.
func (t *Terminal) switchTo(role string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.cfg.People {
		if p.Role == role {
			t.current, t.buttons = p, nil
			t.printf("— you are now the %s —\n", role)
			t.flushLocked()
			return true
		}
	}
	return false
}

// press turns a button's number into the event of pressing it.
func (t *Terminal) press(n int) (handlers.Event, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 1 || n > len(t.buttons) {
		t.printf("no button %d\n", n)
		return handlers.Event{}, false
	}
	b := t.buttons[n-1]
	if b.Data == "" {
		t.printf("(a link: %s)\n", b.URL)
		return handlers.Event{}, false
	}
	me := t.current
	return handlers.Event{Kind: handlers.EventButton, ChatID: me.ID, UserID: me.ID, LanguageCode: me.Language, Data: b.Data, MessageID: t.onMsg}, true
}

// record adds a message to a chat and returns its id.
func (t *Terminal) record(chatID int64, m message) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.recordLocked(chatID, m, false)
}

// recordLocked adds a message; one from the desk is printed when its chat
// is the current person's, else announced.
func (t *Terminal) recordLocked(chatID int64, m message, fromDesk bool) int {
	t.nextID++
	m.id = t.nextID
	t.chats[chatID] = append(t.chats[chatID], m)
	if !fromDesk {
		t.shown[chatID] = len(t.chats[chatID])
		return m.id
	}
	t.lastSent = time.Now()
	close(t.sent)
	t.sent = make(chan struct{})
	if chatID == t.current.ID {
		t.flushLocked()
		return m.id
	}
	for _, p := range t.cfg.People {
		if p.ID == chatID {
			t.printf("🔔 %d new message(s) for the %s (/as %s)\n", len(t.chats[chatID])-t.shown[chatID], p.Role, p.Role)
		}
	}
	return m.id
}

// flushLocked prints the current person's messages not yet printed.
func (t *Terminal) flushLocked() {
	id := t.current.ID
	msgs := t.chats[id]
	for _, m := range msgs[t.shown[id]:] {
		t.printMessageLocked(m)
	}
	t.shown[id] = len(msgs)
}

func (t *Terminal) printMessageLocked(m message) {
	text := strings.TrimSpace(m.text)
	if m.photo != "" {
		text = strings.TrimSpace("[photo: " + m.photo + "] " + text)
	}
	t.printf("🤖 %s\n", strings.ReplaceAll(text, "\n", "\n   "))
	if len(m.buttons) == 0 {
		return
	}
	t.buttons, t.onMsg = nil, m.id
	for _, row := range m.buttons {
		cells := make([]string, 0, len(row))
		for _, b := range row {
			t.buttons = append(t.buttons, b)
			cells = append(cells, fmt.Sprintf("[%d] %s", len(t.buttons), b.Label))
		}
		t.printf("   %s\n", strings.Join(cells, "   "))
	}
}

func (t *Terminal) printf(format string, args ...any) {
	fmt.Fprintf(t.cfg.Out, format, args...)
}

// Send shows a reply in its chat (handlers.Messenger). A photo or document
// is written to the files folder and shown by its path.
func (t *Terminal) Send(_ context.Context, r handlers.Reply) (int, error) {
	if r.Copy != nil {
		return 0, t.copyMessage(r.ChatID, r.Copy.ChatID, r.Copy.MessageID, &r.Text, r.Buttons)
	}
	m := message{text: r.Text, buttons: r.Buttons}
	for _, file := range []*handlers.Photo{r.Photo, r.Document} {
		if file == nil {
			continue
		}
		path, err := t.save(file)
		if err != nil {
			return 0, err
		}
		m.photo = path
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.recordLocked(r.ChatID, m, true), nil
}

// save writes a file the desk sends, so that the person can open it.
func (t *Terminal) save(f *handlers.Photo) (string, error) {
	t.mu.Lock()
	t.nextID++
	n := t.nextID
	t.mu.Unlock()
	path := filepath.Join(t.cfg.Files, "file-"+strconv.Itoa(n)+filepath.Ext(f.Name))
	if err := os.WriteFile(path, f.Data, 0o600); err != nil {
		return "", fmt.Errorf("terminal: save %s: %w", f.Name, err)
	}
	return path, nil
}

// Edit rewrites a message the desk sent (handlers.Messenger); the change
// prints when it is in the current person's chat.
func (t *Terminal) Edit(_ context.Context, chatID int64, messageID int, text string, buttons [][]handlers.Button) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	msgs := t.chats[chatID]
	for i := range msgs {
		if msgs[i].id == messageID {
			msgs[i].text, msgs[i].buttons = text, buttons
			if chatID == t.current.ID {
				t.printf("✏️  (message edited)\n")
				t.printMessageLocked(msgs[i])
			}
			return nil
		}
	}
	return fmt.Errorf("terminal: edit: no message %d in chat %d", messageID, chatID)
}

// Copy sends a copy of a message to another chat, with caption instead of
// its own text (handlers.Messenger).
func (t *Terminal) Copy(_ context.Context, toChatID, fromChatID int64, messageID int, caption string) error {
	return t.copyMessage(toChatID, fromChatID, messageID, &caption, nil)
}

func (t *Terminal) copyMessage(toChatID, fromChatID int64, messageID int, caption *string, buttons [][]handlers.Button) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.chats[fromChatID] {
		if m.id != messageID {
			continue
		}
		c := message{text: m.text, photo: m.photo, buttons: buttons}
		if caption != nil {
			c.text = *caption
		}
		t.recordLocked(toChatID, c, true)
		return nil
	}
	return fmt.Errorf("terminal: copy: no message %d in chat %d", messageID, fromChatID)
}

// BotUsername is the simulated bot's username (handlers.Messenger).
func (t *Terminal) BotUsername() string { return t.cfg.BotUsername }

// Deliverer sends broadcasts: a copy of the organizer's message with the
// given buttons.
func (t *Terminal) Deliverer(buttons [][]handlers.Button) *Deliverer {
	return &Deliverer{t: t, buttons: buttons}
}

// Deliverer is the terminal's broadcast.Deliverer.
type Deliverer struct {
	t       *Terminal
	buttons [][]handlers.Button
}

// Deliver copies the broadcast's message to one recipient.
func (d *Deliverer) Deliver(_ context.Context, to int64, b domain.Broadcast) error {
	return d.t.copyMessage(to, b.SourceChatID, b.SourceMessageID, nil, d.buttons)
}
