package broadcast

import (
	"sync"

	"github.com/hotroso/hotroso/domain"
)

// strikes remembers, on this instance, the recipients whose deliveries
// drew 5xx answers, across the times they were given back and taken
// again: one that keeps drawing them while the messenger answers other
// calls is failed, not passed round for ever.
type strikes struct {
	mu sync.Mutex
	m  map[strikeKey]strike
}

type strikeKey struct{ broadcast, user int64 }

// strike is one recipient's 5xx answers: how many, and the breaker's count
// of successes when the first came.
type strike struct {
	count            int
	successesAtFirst uint64
}

// add counts one more 5xx for the recipient; successes is the breaker's
// count now.
func (s *strikes) add(broadcast, user int64, successes uint64) strike {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[strikeKey]strike{}
	}
	k := strikeKey{broadcast, user}
	st, ok := s.m[k]
	if !ok {
		st.successesAtFirst = successes
	}
	st.count++
	s.m[k] = st
	return st
}

// forget drops the recipient's strikes (it has its result).
func (s *strikes) forget(broadcast, user int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, strikeKey{broadcast, user})
}

// keep drops the strikes of every broadcast not in active.
func (s *strikes) keep(active []domain.Broadcast) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) == 0 {
		return
	}
	ids := make(map[int64]bool, len(active))
	for _, b := range active {
		ids[b.ID] = true
	}
	for k := range s.m {
		if !ids[k.broadcast] {
			delete(s.m, k)
		}
	}
}
