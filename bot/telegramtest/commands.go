package telegramtest

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"
)

// BotCommand is one entry of the bot's command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

var commandRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// commandsKey identifies a (scope, language_code) pair.
func commandsKey(p map[string]string) (string, *apiError) {
	scope := "default"
	if raw := strings.TrimSpace(p["scope"]); raw != "" {
		var v map[string]any
		if err := json.Unmarshal([]byte(raw), &v); err != nil || v["type"] == nil {
			return "", badRequest("can't parse BotCommandScope JSON object")
		}
		canon, _ := json.Marshal(v) // sorted keys
		scope = string(canon)
		if v["type"] == "default" && len(v) == 1 {
			scope = "default"
		}
	}
	return scope + "|" + p["language_code"], nil
}

func (s *Server) setMyCommands(x *exchange) (any, *apiError) {
	var cmds []BotCommand
	if err := json.Unmarshal([]byte(x.p["commands"]), &cmds); err != nil {
		return nil, badRequest("can't parse commands JSON array")
	}
	if len(cmds) > 100 {
		return nil, badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !commandRE.MatchString(c.Command) {
			return nil, badRequest("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(c.Description)); n == 0 || n > 256 {
			return nil, badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	key, err := commandsKey(x.p)
	if err != nil {
		return nil, err
	}
	s.commands[key] = mustJSON(cmds)
	return true, nil
}

func (s *Server) getMyCommands(x *exchange) (any, *apiError) {
	key, err := commandsKey(x.p)
	if err != nil {
		return nil, err
	}
	if raw, ok := s.commands[key]; ok {
		return raw, nil
	}
	return []BotCommand{}, nil
}

func (s *Server) deleteMyCommands(x *exchange) (any, *apiError) {
	key, err := commandsKey(x.p)
	if err != nil {
		return nil, err
	}
	delete(s.commands, key)
	return true, nil
}

// MyCommands returns the command menu set with setMyCommands for the
// default scope and the given language code ("" for all languages).
func (s *Server) MyCommands(languageCode string) []BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []BotCommand
	if raw, ok := s.commands["default|"+languageCode]; ok {
		_ = json.Unmarshal(raw, &out)
	}
	return out
}
