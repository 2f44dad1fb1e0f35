package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hotroso/hotroso/domain"
)

// A button's data is a request, never a permission. Each kind of button is
// a codec: a prefix that names its route and a typed payload after it.
// Each role declares its own codecs and routes (routes.go); the router
// finds the route of a button by its prefix, decodes the payload into the
// value its handler takes, and asks the route who may press it.

// codec is how one kind of button's data is written and read.
type codec[T any] struct {
	// prefix names the route. A codec with a payload has a prefix ending
	// in ':'; one without is its whole data.
	prefix string
	encode func(T) string
	decode func(string) (T, error)
}

// data is the callback data of a button carrying v.
func (c codec[T]) data(v T) string { return c.prefix + c.encode(v) }

// errNotCanonical means data decoded to a value whose own data differs
// ("tc:007" for "tc:7"): the desk never writes it, so it is forged.
var errNotCanonical = errors.New("handlers: button data is not the desk's own")

// read decodes data: only data that data() would write for the value
// decodes.
func (c codec[T]) read(data string) (T, error) {
	var zero T
	payload, ok := strings.CutPrefix(data, c.prefix)
	if !ok {
		return zero, fmt.Errorf("handlers: %q is not a %q button", data, c.prefix)
	}
	v, err := c.decode(payload)
	if err != nil {
		return zero, err
	}
	if c.data(v) != data {
		return zero, errNotCanonical
	}
	return v, nil
}

// unit is a button without a payload: its data is the prefix alone.
func unit(data string) codec[struct{}] {
	return codec[struct{}]{prefix: data,
		encode: func(struct{}) string { return "" },
		decode: func(p string) (struct{}, error) {
			if p != "" {
				return struct{}{}, fmt.Errorf("handlers: %q takes no payload", data)
			}
			return struct{}{}, nil
		}}
}

// idCodec carries a positive id: "<prefix><id>".
func idCodec(prefix string) codec[int64] {
	return codec[int64]{prefix: prefix, encode: formatID, decode: parseID}
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("handlers: %q is no id", s)
	}
	return id, nil
}

// wordPattern is what a word in a payload may be: a language, an outcome,
// a commune code, a flow id.
var wordPattern = regexp.MustCompile(`^[a-z0-9_]{1,20}$`)

// wordCodec carries one word that valid accepts: "<prefix><word>".
func wordCodec(prefix string, valid func(string) bool) codec[string] {
	return codec[string]{prefix: prefix, encode: func(w string) string { return w },
		decode: func(w string) (string, error) {
			if !wordPattern.MatchString(w) || !valid(w) {
				return "", fmt.Errorf("handlers: %q is not a %q word", w, prefix)
			}
			return w, nil
		}}
}

// idWord is an id and a word about it: a ticket and an outcome, a
// broadcast and its audience.
type idWord struct {
	ID   int64
	Word string
}

// idWordCodec carries an id and a word that valid accepts:
// "<prefix><id>:<word>".
func idWordCodec(prefix string, valid func(string) bool) codec[idWord] {
	return codec[idWord]{prefix: prefix,
		encode: func(v idWord) string { return formatID(v.ID) + ":" + v.Word },
		decode: func(p string) (idWord, error) {
			id, word, ok := strings.Cut(p, ":")
			if !ok || !wordPattern.MatchString(word) || !valid(word) {
				return idWord{}, fmt.Errorf("handlers: %q is not a %q payload", p, prefix)
			}
			n, err := parseID(id)
			return idWord{n, word}, err
		}}
}

// oneOf accepts the given words.
func oneOf(words ...string) func(string) bool {
	return func(w string) bool {
		for _, x := range words {
			if w == x {
				return true
			}
		}
		return false
	}
}

// anyWord accepts every word that wordPattern does.
func anyWord(string) bool { return true }

// Who may do something.
type allow func(domain.User) bool

func anyone(domain.User) bool              { return true }
func volunteersOnly(u domain.User) bool    { return u.CanVolunteer() }
func organizersOnly(u domain.User) bool    { return u.CanOrganize() }
func (a allow) permits(u domain.User) bool { return a == nil || a(u) }

// handler answers one request.
type handler func(ctx context.Context, r *request) (Response, error)

// buttonRoute is one kind of button: who may press it, whether it works in
// the volunteer group, and its handler, which decodes the data itself.
// Data of the route that does not decode was forged: it is refused, or,
// for buttons that old messages carry after their content changed (flow
// steps), answered as a stale button.
type buttonRoute struct {
	prefix        string
	action        string // names the button in the log when a press is refused
	who           allow
	inGroup       bool
	forgedIsStale bool
	handle        func(ctx context.Context, r *request, data string) (Response, error)
	// decode reads data as the route's codec does, for tests.
	decode func(data string) (any, error)
}

// on routes the buttons of codec c to h, with their payload decoded; data
// that does not decode gives errStaleButton.
func on[T any](c codec[T], action string, who allow, h func(ctx context.Context, r *request, v T) (Response, error)) buttonRoute {
	return buttonRoute{prefix: c.prefix, action: action, who: who,
		handle: func(ctx context.Context, r *request, data string) (Response, error) {
			v, err := c.read(data)
			if err != nil {
				return Response{}, errStaleButton
			}
			return h(ctx, r, v)
		},
		decode: func(data string) (any, error) { return c.read(data) }}
}

// errStaleButton is what a route returns for data it cannot decode.
var errStaleButton = errors.New("handlers: stale or forged button")

// commandRoute is one command: who may type it, whether it works in the
// volunteer group (answered in private), and its handler.
type commandRoute struct {
	who     allow
	inGroup bool
	handle  handler
}

// awaitRoute is what a chat's awaited typed text goes to: who may send it,
// whether a photo does too, and the handler.
type awaitRoute struct {
	who    allow
	media  bool
	handle func(ctx context.Context, r *request, a domain.Awaiting) (Response, error)
}

// routes is what one role declares.
type routes struct {
	buttons  []buttonRoute
	commands map[string]commandRoute
	awaits   map[domain.AwaitKind]awaitRoute
}

// router holds every role's routes.
type router struct {
	buttons  map[string]buttonRoute // by prefix
	commands map[string]commandRoute
	awaits   map[domain.AwaitKind]awaitRoute
}

// newRouter collects the roles' routes. Two routes with one prefix, or a
// payload prefix without its ':', is a programming error: it panics, so a
// test of New finds it.
func newRouter(all ...routes) *router {
	rt := &router{buttons: map[string]buttonRoute{}, commands: map[string]commandRoute{}, awaits: map[domain.AwaitKind]awaitRoute{}}
	for _, rs := range all {
		for _, b := range rs.buttons {
			if _, dup := rt.buttons[b.prefix]; dup || b.prefix == "" {
				panic(fmt.Sprintf("handlers: button prefix %q routed twice", b.prefix))
			}
			rt.buttons[b.prefix] = b
		}
		for name, c := range rs.commands {
			if _, dup := rt.commands[name]; dup {
				panic(fmt.Sprintf("handlers: command %q routed twice", name))
			}
			rt.commands[name] = c
		}
		for kind, a := range rs.awaits {
			rt.awaits[kind] = a
		}
	}
	return rt
}

// button finds the route of button data: the whole data names a button
// without payload, else the part up to and including the first ':'.
func (rt *router) button(data string) (buttonRoute, bool) {
	if b, ok := rt.buttons[data]; ok {
		return b, true
	}
	if i := strings.IndexByte(data, ':'); i >= 0 {
		b, ok := rt.buttons[data[:i+1]]
		return b, ok
	}
	return buttonRoute{}, false
}
