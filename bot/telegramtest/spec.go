package telegramtest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// spec_methods.json is a trimmed copy of the Bot API specification (method
// names, required field names and return types, and the rules of an inline
// keyboard button). Regenerate it after a
// spec update with:
//
//	TELEGRAM_BOT_API_SPEC=/work/shared/telegram/bot-api-spec.min.json go generate ./bot/telegramtest/
//
//go:generate go run ./internal/specgen -in ${TELEGRAM_BOT_API_SPEC} -out spec_methods.json

//go:embed spec_methods.json
var specMethodsJSON []byte

// methodSpec describes one Bot API method as far as the fake needs it.
type methodSpec struct {
	Name     string   // canonical spelling, e.g. "sendMessage"
	Required []string // names of required fields
	Returns  []string // documented return types, e.g. ["Message", "Boolean"]
}

type specIndex struct {
	version string
	byName  map[string]methodSpec // by canonical name
	byLower map[string]methodSpec // by lower-cased name
	button  buttonSpec
}

// buttonSpec is what the spec says of an InlineKeyboardButton.
type buttonSpec struct {
	// Kinds are the fields of which a button must use exactly one.
	Kinds []string `json:"kinds"`
	// CallbackData is the allowed length of callback_data in bytes, and
	// CopyText that of a copy_text's text in characters: [min, max].
	CallbackData [2]int `json:"callback_data_bytes"`
	CopyText     [2]int `json:"copy_text_chars"`
}

var loadSpec = sync.OnceValue(func() specIndex {
	var doc struct {
		Version string     `json:"version"`
		Button  buttonSpec `json:"inline_keyboard_button"`
		Methods map[string]struct {
			Required []string `json:"required"`
			Returns  []string `json:"returns"`
		} `json:"methods"`
	}
	if err := json.Unmarshal(specMethodsJSON, &doc); err != nil || len(doc.Button.Kinds) == 0 {
		panic(fmt.Sprintf("telegramtest: embedded spec_methods.json is invalid: %v", err))
	}
	idx := specIndex{
		version: doc.Version,
		button:  doc.Button,
		byName:  make(map[string]methodSpec, len(doc.Methods)),
		byLower: make(map[string]methodSpec, len(doc.Methods)),
	}
	for name, m := range doc.Methods {
		spec := methodSpec{Name: name, Required: m.Required, Returns: m.Returns}
		idx.byName[name] = spec
		idx.byLower[strings.ToLower(name)] = spec
	}
	return idx
})

// lookupMethod finds a method by name. Like the real Bot API, method names
// are matched case-insensitively (go-telegram/bot calls "logout", the spec
// spells it "logOut").
func lookupMethod(name string) (methodSpec, bool) {
	idx := loadSpec()
	if m, ok := idx.byName[name]; ok {
		return m, true
	}
	m, ok := idx.byLower[strings.ToLower(name)]
	return m, ok
}

// returns reports whether the method's documented result includes typ.
func (m methodSpec) returns(typ string) bool {
	for _, r := range m.Returns {
		if r == typ {
			return true
		}
	}
	return false
}

// inlineButtonSpec returns the rules of an InlineKeyboardButton.
func inlineButtonSpec() buttonSpec { return loadSpec().button }

// SpecVersion returns the Bot API version of the embedded method list
// (for example "Bot API 10.1").
func SpecVersion() string { return loadSpec().version }

// KnownMethods returns the canonical names of all Bot API methods the fake
// accepts, sorted.
func KnownMethods() []string {
	idx := loadSpec()
	out := make([]string, 0, len(idx.byLower))
	for _, m := range idx.byLower {
		out = append(out, m.Name)
	}
	sort.Strings(out)
	return out
}
