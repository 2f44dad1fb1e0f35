package rollup

import (
	"crypto/rand"
	"errors"
	"fmt"
	"hash/fnv"
	"math/big"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// An assist id is "<At unix ms, base 36>-<sequence, 8 base-36 digits><4
// random base-36 digits>": it names the millisecond the record sits at in
// the time index, so a store finds the record from its id alone, and ids
// made by one process sort in the order they were made.
const (
	idSeqWidth  = 8
	idRandWidth = 4
)

// idSeq counts the ids this process made, from a random start.
var idSeq atomic.Uint64

func init() {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<40))
	if err == nil {
		idSeq.Store(n.Uint64())
	}
}

// NewAssistID returns a new, unique id for an assist record at at. A
// caller that needs a record's id before recording it (to offer an undo)
// sets Assist.ID to NewAssistID(a.At); the stores make one when it is empty.
func NewAssistID(at time.Time) string {
	seq := strconv.FormatUint(idSeq.Add(1)%pow36(idSeqWidth), 36)
	r, err := rand.Int(rand.Reader, big.NewInt(int64(pow36(idRandWidth))))
	if err != nil {
		panic(fmt.Errorf("rollup: random id: %w", err)) // crypto/rand does not fail on Linux
	}
	return strconv.FormatInt(at.UnixMilli(), 36) + "-" + pad(seq, idSeqWidth) + pad(r.Text(36), idRandWidth)
}

// ErrAssistID says an assist id is not one NewAssistID makes for the
// record's time.
var ErrAssistID = errors.New("rollup: assist id does not name its record's time (use NewAssistID)")

// AssistIDMillis returns the unix millisecond an assist id names.
func AssistIDMillis(id string) (int64, error) {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return 0, fmt.Errorf("%w: %q", ErrAssistID, id)
	}
	ms, rest := id[:i], id[i+1:]
	if len(rest) != idSeqWidth+idRandWidth {
		return 0, fmt.Errorf("%w: %q", ErrAssistID, id)
	}
	for _, r := range rest {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return 0, fmt.Errorf("%w: %q", ErrAssistID, id)
		}
	}
	n, err := strconv.ParseInt(ms, 36, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrAssistID, id)
	}
	return n, nil
}

// PrepareAssist gives a record its time (now when zero) and its id (a new
// one when empty), and checks a given id names the record's time.
func PrepareAssist(a domain.Assist, now func() time.Time) (domain.Assist, error) {
	if a.At.IsZero() {
		a.At = now()
	}
	if a.ID == "" {
		a.ID = NewAssistID(a.At)
		return a, nil
	}
	ms, err := AssistIDMillis(a.ID)
	if err != nil {
		return a, err
	}
	if ms != a.At.UnixMilli() {
		return a, fmt.Errorf("%w: %q is not at %s", ErrAssistID, a.ID, a.At.UTC().Format(time.RFC3339Nano))
	}
	return a, nil
}

func pow36(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 36
	}
	return p
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s[len(s)-n:]
	}
	return strings.Repeat("0", n-len(s)) + s
}

// MigratedAssistID is the id given to a record of an older log, which had
// none: like NewAssistID's, but made from the record's place in that log
// (key), so that migrating twice gives the same id.
func MigratedAssistID(at time.Time, key string) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	n := h.Sum64() % pow36(idSeqWidth+idRandWidth)
	return strconv.FormatInt(at.UnixMilli(), 36) + "-" + pad(strconv.FormatUint(n, 36), idSeqWidth+idRandWidth)
}
