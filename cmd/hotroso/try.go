package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotroso/hotroso/bot/telegramtest"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/storage/embedded"
)

// The simulated people of `hotroso try`, each a separate Telegram user.
var tryPeople = []tryPerson{
	{Role: "resident", User: telegramtest.User{ID: 1001, FirstName: "Cư dân"}},
	{Role: "volunteer", User: telegramtest.User{ID: 1002, FirstName: "Tình nguyện viên"}},
	{Role: "organizer", User: telegramtest.User{ID: 1003, FirstName: "Người tổ chức"}},
}

type tryPerson struct {
	Role string
	User telegramtest.User
}

const tryHelp = `hotroso try: the real bot against a Telegram that lives in this terminal.
  type a message to send it; type a button's number to press it
  /as resident | /as volunteer | /as organizer   switch who you are
  /photo [caption]                               send a photo (a screenshot)
  /quit                                          leave`

// tryCommand runs the bot (same handlers, flows, embedded store) against
// an in-process Telegram Bot API, and chats with it in the terminal.
// A temporary store is used unless dataDirSet (DATA_DIR was given).
func tryCommand(ctx context.Context, cfg config, dataDirSet bool, args []string, sys system) error {
	lang, err := langOption(args, "vi", []string{"vi", "en"})
	if err != nil {
		return err
	}
	if !dataDirSet {
		dir, err := os.MkdirTemp("", "hotroso-try-")
		if err != nil {
			return fmt.Errorf("try: temporary folder: %w", err)
		}
		defer os.RemoveAll(dir)
		cfg.DataDir = dir
	}
	api := telegramtest.NewServer(telegramtest.WithToken("100000001:TryTokenForTheTerminalSimulator"), telegramtest.WithBotUser("hotroso_try_bot"))
	defer api.Close()
	people := make([]tryPerson, len(tryPeople))
	copy(people, tryPeople)
	for i := range people {
		people[i].User.LanguageCode = lang
		// Each person has opened a chat with the bot, so it may write first.
		api.AddChat(people[i].User.ID, telegramtest.ChatPrivate)
	}
	if err := seedVolunteer(cfg.DataDir, people[1].User.ID, lang, sys.Now()); err != nil {
		return err
	}
	cfg.Token, cfg.APIURL, cfg.RedisURL, cfg.VolunteerChatID, cfg.HTTPAddr = api.Token(), api.URL(), "", 0, "127.0.0.1:0"
	cfg.OrganizerIDs = []int64{people[2].User.ID}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	quiet := sys
	quiet.Stdout = io.Discard
	go func() { served <- serve(ctx, cfg, quiet) }()
	polling := make(chan error, 1)
	go func() { polling <- api.WaitPolling(30 * time.Second) }()
	select {
	case err := <-served:
		return err
	case err := <-polling:
		if err != nil {
			return fmt.Errorf("try: the bot did not start: %w", err)
		}
	}
	t := &terminal{api: api, people: people, out: sys.Stdout, unread: map[int64]int{}, shown: map[int64]int{}, files: cfg.DataDir}
	fmt.Fprintln(sys.Stdout, tryHelp)
	t.switchTo("resident")
	go t.watch(ctx)
	t.read(sys.Stdin)
	cancel()
	return <-served
}

// seedVolunteer makes the simulated volunteer a volunteer on duty, so that
// questions reach them without an invite round.
func seedVolunteer(dataDir string, id int64, lang string, now time.Time) error {
	store, err := embedded.Open(filepath.Join(dataDir, "hotroso.db"))
	if err != nil {
		return fmt.Errorf("DATA_DIR: cannot open the store: %w", err)
	}
	defer store.Close()
	name := map[string]string{"vi": "Lan - Đoàn xã (thử)", "en": "Lan - youth union (demo)"}[lang]
	return store.PutUser(context.Background(), storage.User{ID: id, Role: storage.RoleVolunteer, Language: lang, DisplayName: name, OnDuty: true, CreatedAt: now, UpdatedAt: now})
}

// terminal is the chat in the terminal: it prints the current person's
// messages as they arrive and turns typed lines into updates.
type terminal struct {
	api    *telegramtest.Server
	people []tryPerson
	out    io.Writer
	files  string

	mu      sync.Mutex
	current tryPerson
	shown   map[int64]int // messages printed per chat
	unread  map[int64]int // messages announced but not printed, per chat
	buttons []telegramtest.Button
	onMsg   int // the message the numbered buttons belong to
}

func (t *terminal) printf(format string, args ...any) {
	fmt.Fprintf(t.out, format, args...)
}

// switchTo makes role the current person and prints what they missed.
func (t *terminal) switchTo(role string) bool {
	for _, p := range t.people {
		if p.Role == role {
			t.mu.Lock()
			t.current, t.buttons = p, nil
			t.printf("— you are now the %s —\n", role)
			t.flushLocked()
			t.mu.Unlock()
			return true
		}
	}
	return false
}

// watch prints new messages until ctx ends.
func (t *terminal) watch(ctx context.Context) {
	for ctx.Err() == nil {
		err := t.api.WaitFor(time.Minute, func(s *telegramtest.Snapshot) bool {
			t.mu.Lock()
			defer t.mu.Unlock()
			for _, p := range t.people {
				if len(s.Messages(p.User.ID)) > t.shown[p.User.ID]+t.unread[p.User.ID] {
					return true
				}
			}
			return false
		})
		if err != nil {
			continue
		}
		t.mu.Lock()
		t.flushLocked()
		for _, p := range t.people {
			if p.Role == t.current.Role {
				continue
			}
			if n := len(t.api.Messages(p.User.ID)) - t.shown[p.User.ID]; n > t.unread[p.User.ID] {
				t.unread[p.User.ID] = n
				t.printf("🔔 %d new message(s) for the %s (/as %s)\n", n, p.Role, p.Role)
			}
		}
		t.mu.Unlock()
	}
}

// flushLocked prints the current person's new messages.
func (t *terminal) flushLocked() {
	id := t.current.User.ID
	msgs := t.api.Messages(id)
	for _, m := range msgs[t.shown[id]:] {
		t.printMessage(m)
	}
	t.shown[id], t.unread[id] = len(msgs), 0
}

func (t *terminal) printMessage(m telegramtest.Message) {
	text := m.Text
	if m.Photo || m.File != nil {
		text = m.Caption
		if m.File != nil && m.File.Data != nil {
			path := filepath.Join(t.files, "photo-"+strconv.Itoa(m.MessageID)+filepath.Ext(m.File.Name))
			if err := os.WriteFile(path, m.File.Data, 0o600); err == nil {
				text = "[photo: " + path + "] " + text
			}
		}
	}
	t.printf("🤖 %s\n", strings.ReplaceAll(strings.TrimSpace(text), "\n", "\n   "))
	if len(m.Buttons) == 0 {
		return
	}
	t.buttons, t.onMsg = nil, m.MessageID
	for _, row := range m.Buttons {
		var cells []string
		for _, b := range row {
			t.buttons = append(t.buttons, b)
			cells = append(cells, fmt.Sprintf("[%d] %s", len(t.buttons), b.Text))
		}
		t.printf("   %s\n", strings.Join(cells, "   "))
	}
}

// read turns typed lines into updates until /quit or the end of input.
func (t *terminal) read(in io.Reader) {
	scanner := bufio.NewScanner(in)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		switch {
		case line == "":
		case line == "/quit" || line == "/exit":
			return
		case strings.HasPrefix(line, "/as"):
			if !t.switchTo(strings.TrimSpace(strings.TrimPrefix(line, "/as"))) {
				t.printf("who? /as resident, /as volunteer or /as organizer\n")
			}
		case line == "/photo" || strings.HasPrefix(line, "/photo "):
			t.api.SendPhoto(t.me(), strings.TrimSpace(strings.TrimPrefix(line, "/photo")))
		default:
			if n, err := strconv.Atoi(line); err == nil {
				t.press(n)
				continue
			}
			t.api.SendText(t.me(), line)
		}
	}
}

func (t *terminal) me() telegramtest.User {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current.User
}

func (t *terminal) press(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n < 1 || n > len(t.buttons) {
		t.printf("no button %d\n", n)
		return
	}
	b := t.buttons[n-1]
	if b.Data == "" {
		t.printf("(a link: %s)\n", b.URL)
		return
	}
	t.api.PressData(t.current.User, t.onMsg, b.Data)
}
