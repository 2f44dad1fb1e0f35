package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// cookieName is the resident's identity cookie: their web id and its
// HMAC under one of the store's keys.
const cookieName = "hotroso_web"

// cookieAge is how long a browser keeps the cookie: a year, renewed on
// every visit.
const cookieAge = 365 * 24 * time.Hour

// keyRefresh is how long the keys read from the store are used before
// they are read again (and rotated, when due).
const keyRefresh = time.Minute

// keyRing holds the cookie keys, the current first, read from the store.
type keyRing struct {
	store  storage.WebChats
	now    func() time.Time
	rotate time.Duration

	mu     sync.Mutex
	keys   [][]byte
	readAt time.Time
}

func newKeyRing(store storage.WebChats, now func() time.Time, rotate time.Duration) *keyRing {
	return &keyRing{store: store, now: now, rotate: rotate}
}

// get returns the keys, the current first.
func (k *keyRing) get(ctx context.Context) ([][]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if k.keys != nil && now.Sub(k.readAt) < keyRefresh && now.After(k.readAt) {
		return k.keys, nil
	}
	candidate := make([]byte, 32)
	if _, err := rand.Read(candidate); err != nil {
		return nil, fmt.Errorf("web: new key: %w", err)
	}
	stored, err := k.store.WebKeys(ctx, candidate, now, k.rotate)
	if err != nil {
		return nil, fmt.Errorf("web: keys: %w", err)
	}
	keys := make([][]byte, 0, len(stored))
	for _, s := range stored {
		keys = append(keys, s.Secret)
	}
	k.keys, k.readAt = keys, now
	return keys, nil
}

// sign is the MAC of a purpose and an id under key.
func sign(key []byte, purpose string, id int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose + ":" + strconv.FormatInt(id, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// verify reports which key (0: the current) signed mac, or -1.
func verify(keys [][]byte, purpose string, id int64, mac string) int {
	for i, key := range keys {
		if hmac.Equal([]byte(sign(key, purpose, id)), []byte(mac)) {
			return i
		}
	}
	return -1
}

// errNoIdentity means a request carries no valid identity cookie.
var errNoIdentity = errors.New("web: no valid identity cookie")

// identify reads the resident's id from the cookie. A cookie signed by
// the previous key is signed again by the current one; with create, a
// browser without a valid cookie gets a fresh id.
func (c *Channel) identify(w http.ResponseWriter, r *http.Request, create bool) (int64, error) {
	keys, err := c.keys.get(r.Context())
	if err != nil {
		return 0, err
	}
	if ck, err := r.Cookie(cookieName); err == nil {
		idText, mac, _ := strings.Cut(ck.Value, ".")
		id, err := strconv.ParseInt(idText, 10, 64)
		if err == nil && domain.IsWebID(id) {
			if which := verify(keys, "id", id, mac); which == 0 {
				return id, nil
			} else if which > 0 {
				c.setCookie(w, keys[0], id)
				return id, nil
			}
		}
	}
	if !create {
		return 0, errNoIdentity
	}
	id, err := domain.NewWebID()
	if err != nil {
		return 0, err
	}
	c.setCookie(w, keys[0], id)
	return id, nil
}

func (c *Channel) setCookie(w http.ResponseWriter, key []byte, id int64) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: strconv.FormatInt(id, 10) + "." + sign(key, "id", id), Path: "/chat",
		MaxAge: int(cookieAge / time.Second), HttpOnly: true, Secure: c.cfg.Secure, SameSite: http.SameSiteLaxMode})
}

// csrfToken is the token every form of the resident's page carries: a MAC
// of their id under the current key, so it is tied to the cookie.
func (c *Channel) csrfToken(ctx context.Context, id int64) (string, error) {
	keys, err := c.keys.get(ctx)
	if err != nil {
		return "", err
	}
	return sign(keys[0], "csrf", id), nil
}

// csrfOK reports whether a posted token is the resident's.
func (c *Channel) csrfOK(ctx context.Context, id int64, token string) bool {
	keys, err := c.keys.get(ctx)
	return err == nil && token != "" && verify(keys, "csrf", id, token) >= 0
}

// chatLocks serialises the events of one chat, as the desk needs.
type chatLocks struct {
	mu    sync.Mutex
	locks map[int64]*chatLock
}

type chatLock struct {
	sync.Mutex
	users int
}

func newChatLocks() *chatLocks { return &chatLocks{locks: map[int64]*chatLock{}} }

// lock takes the chat's lock; the returned function releases it.
func (l *chatLocks) lock(id int64) func() {
	l.mu.Lock()
	cl := l.locks[id]
	if cl == nil {
		cl = &chatLock{}
		l.locks[id] = cl
	}
	cl.users++
	l.mu.Unlock()
	cl.Lock()
	return func() {
		cl.Unlock()
		l.mu.Lock()
		if cl.users--; cl.users == 0 {
			delete(l.locks, id)
		}
		l.mu.Unlock()
	}
}

// notifier wakes the live streams of a chat when a message is written.
type notifier struct {
	mu    sync.Mutex
	chans map[int64]chan struct{}
}

func newNotifier() *notifier { return &notifier{chans: map[int64]chan struct{}{}} }

// wait returns a channel closed at the chat's next message.
func (n *notifier) wait(id int64) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	ch := n.chans[id]
	if ch == nil {
		ch = make(chan struct{})
		n.chans[id] = ch
	}
	return ch
}

// wake tells the chat's streams that a message was written.
func (n *notifier) wake(id int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ch := n.chans[id]; ch != nil {
		close(ch)
		delete(n.chans, id)
	}
}
