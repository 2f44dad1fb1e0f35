package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/metrics"
	"github.com/hotroso/hotroso/storage"
	"github.com/hotroso/hotroso/terminal"
)

// The simulated people of `hotroso try`, each with a private chat.
var tryPeople = []terminal.Person{
	{Role: "resident", ID: 1001},
	{Role: "volunteer", ID: 1002},
	{Role: "organizer", ID: 1003},
}

// tryCommand runs the desk (same handlers, flows, embedded store, broadcasts)
// on the terminal channel, and chats with it through sys.Stdin and
// sys.Stdout. A temporary store is used unless dataDirSet (DATA_DIR was
// given).
func tryCommand(ctx context.Context, cfg config, dataDirSet bool, args []string, sys system) error {
	lang, err := langOption(args, "vi", []string{"vi", "en"})
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "hotroso-try-")
	if err != nil {
		return fmt.Errorf("try: temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	if !dataDirSet {
		cfg.DataDir = dir
	}
	people := make([]terminal.Person, len(tryPeople))
	copy(people, tryPeople)
	for i := range people {
		people[i].Language = lang
	}
	cfg.RedisURL, cfg.RedisAddrs, cfg.VolunteerChatID = "", "", 0
	cfg.OrganizerIDs = []int64{people[2].ID}
	app, err := openCore(ctx, cfg, sys)
	if err != nil {
		return err
	}
	defer app.store.Close()
	if err := seedVolunteer(ctx, app.store, people[1], sys.Now()); err != nil {
		return err
	}
	term := terminal.New(terminal.Config{People: people, Out: sys.Stdout, Files: dir, BotUsername: "hotroso_try_bot"})
	desk := app.desk(term)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	app.runJobs(ctx, desk, term.Deliverer(desk.BroadcastButtons()), nil, metrics.New())
	err = term.Run(ctx, desk, sys.Stdin)
	app.stopDesk(ctx, desk)
	return err
}

// seedVolunteer makes the simulated volunteer a volunteer on duty, so that
// questions reach them without an invite round.
func seedVolunteer(ctx context.Context, store storage.Store, p terminal.Person, now time.Time) error {
	name := map[string]string{"vi": "Lan - Đoàn xã (thử)", "en": "Lan - youth union (demo)"}[p.Language]
	err := store.PutUser(ctx, domain.User{ID: p.ID, Role: domain.RoleVolunteer, Language: p.Language, DisplayName: name, OnDuty: true, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return fmt.Errorf("try: seed the volunteer: %w", err)
	}
	return nil
}
