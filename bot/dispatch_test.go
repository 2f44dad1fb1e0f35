package bot

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type job struct {
	key int64
	seq int
}

func TestDispatcherKeepsEachKeysOrderAndBoundsWorkers(t *testing.T) {
	const keys, perKey, workers = 40, 50, 8
	var (
		mu       sync.Mutex
		seen     = map[int64][]int{}
		running  atomic.Int32
		peak     atomic.Int32
		perKeyOn = map[int64]*atomic.Int32{}
	)
	for k := range int64(keys) {
		perKeyOn[k] = &atomic.Int32{}
	}
	d := newDispatcher(workers, 4, func(j job) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if perKeyOn[j.key].Add(1) != 1 {
			t.Errorf("two jobs of key %d ran at once", j.key)
		}
		mu.Lock()
		seen[j.key] = append(seen[j.key], j.seq)
		mu.Unlock()
		perKeyOn[j.key].Add(-1)
		running.Add(-1)
	})
	var producers sync.WaitGroup
	for k := range int64(keys) {
		producers.Add(1)
		go func() {
			defer producers.Done()
			for i := range perKey {
				d.push(k, job{key: k, seq: i})
			}
		}()
	}
	producers.Wait()
	d.close()

	require.Len(t, seen, keys)
	for k, seqs := range seen {
		require.Len(t, seqs, perKey, "key %d", k)
		for i, s := range seqs {
			require.Equal(t, i, s, "key %d ran out of order", k)
		}
	}
	assert.LessOrEqual(t, peak.Load(), int32(workers))
}

func TestDispatcherRunsDifferentKeysInParallel(t *testing.T) {
	// Job 1 of key 1 blocks until a job of key 2 has run: with one key at
	// a time this would deadlock.
	release := make(chan struct{})
	done := make(chan int64, 2)
	d := newDispatcher(2, 4, func(j job) {
		if j.key == 1 {
			<-release
		} else {
			close(release)
		}
		done <- j.key
	})
	d.push(1, job{key: 1})
	d.push(2, job{key: 2})
	assert.Equal(t, int64(2), <-done)
	assert.Equal(t, int64(1), <-done)
	d.close()
}
