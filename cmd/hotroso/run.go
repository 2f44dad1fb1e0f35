package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hotroso/hotroso/flows"
	"github.com/hotroso/hotroso/locales"
)

// usageError is a mistake in the command line; the program exits with 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

const usage = `usage:
  hotroso                    run the bot (long polling; settings from the environment or .env)
  hotroso try [--lang en]    try the whole desk in this terminal, without a token or Redis
  hotroso flows lint [DIR]   check the flow files in DIR (default: FLOWS_DIR, else the built-in flows)
  hotroso flows graph FLOW [--lang vi|en]
                             print a flow as a Mermaid diagram
  hotroso help               this text`

// system is what the program takes from the world around it: main passes
// the process's own, tests pass theirs.
type system struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Now is the clock of the whole desk: the handlers, the broadcasts and
	// the store's stamps read it, so tests choose the day and the hour.
	Now func() time.Time
}

// run is the whole program: main only calls it, so tests start the program
// in-process with their own arguments, environment, input, output and clock.
func run(ctx context.Context, sys system) error {
	getenv, err := envLookup(sys.Getenv)
	if err != nil {
		return err
	}
	if sys.Now == nil {
		sys.Now = time.Now
	}
	if sys.Stdin == nil {
		sys.Stdin = strings.NewReader("")
	}
	stdout, args, cmd := sys.Stdout, sys.Args, ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "", "serve":
		cfg, err := loadConfig(getenv, true)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, sys)
	case "try":
		cfg, err := loadConfig(getenv, false)
		if err != nil {
			return err
		}
		if getenv("LOG_LEVEL") == "" {
			cfg.LogLevel = slog.LevelWarn // the terminal is for the conversation
		}
		return tryCommand(ctx, cfg, getenv("DATA_DIR") != "", args, sys)
	case "flows":
		cfg, err := loadConfig(getenv, false)
		if err != nil {
			return err
		}
		return flowsCommand(cfg, args, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", cmd, usage)}
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// flowFiles is where the flows come from: FLOWS_DIR, else the built-in ones.
func flowFiles(dir string) (fs.FS, string) {
	if dir != "" {
		return os.DirFS(dir), dir
	}
	return flows.Embedded(), "built-in flows"
}

func flowsCommand(cfg config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{usage}
	}
	texts, err := locales.Load()
	if err != nil {
		return err
	}
	switch args[0] {
	case "lint":
		dir := cfg.FlowsDir
		if len(args) > 1 {
			dir = args[1]
		}
		fsys, name := flowFiles(dir)
		if problems := flows.Lint(fsys, texts.Languages()); len(problems) > 0 {
			for _, p := range problems {
				p.File = filepath.Join(dir, p.File)
				fmt.Fprintln(stdout, p)
			}
			return fmt.Errorf("%d problem(s) in %s", len(problems), name)
		}
		fmt.Fprintf(stdout, "%s: all flows are fine\n", name)
		return nil
	case "graph":
		if len(args) < 2 {
			return usageError{"hotroso flows graph FLOW: name a flow id"}
		}
		lang, err := langOption(args[2:], cfg.DefaultLanguage, texts.Languages())
		if err != nil {
			return err
		}
		fsys, _ := flowFiles(cfg.FlowsDir)
		lib, err := flows.Load(fsys, texts.Languages(), flows.WordsFrom(texts))
		if err != nil {
			return fmt.Errorf("flows do not load (run hotroso flows lint):\n%w", err)
		}
		f, ok := lib.Flow(args[1])
		if !ok {
			var ids []string
			for _, f := range lib.Flows() {
				ids = append(ids, f.ID)
			}
			return usageError{fmt.Sprintf("no flow %q; the flows are: %s", args[1], strings.Join(ids, ", "))}
		}
		return f.WriteMermaid(stdout, lang)
	}
	return usageError{usage}
}

// langOption reads the only option some commands take, --lang LANG (or
// --lang=LANG), from args; def when it is absent.
func langOption(args []string, def string, langs []string) (string, error) {
	lang := def
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--lang" && i+1 < len(args):
			lang, i = args[i+1], i+1
		case strings.HasPrefix(args[i], "--lang="):
			lang = strings.TrimPrefix(args[i], "--lang=")
		default:
			return "", usageError{fmt.Sprintf("unknown option %q (want --lang %s)", args[i], strings.Join(langs, "|"))}
		}
	}
	if !slices.Contains(langs, lang) {
		return "", usageError{fmt.Sprintf("--lang: want one of %s", strings.Join(langs, ", "))}
	}
	return lang, nil
}
