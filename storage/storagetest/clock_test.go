package storagetest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewClock(t0)
	var moved []time.Duration
	c.OnAdvance(func(d time.Duration) { moved = append(moved, d) })

	assert.Equal(t, t0, c.Now())
	c.Advance(time.Minute)
	assert.Equal(t, t0.Add(time.Minute), c.Now())
	c.Set(t0.Add(time.Hour))
	assert.Equal(t, t0.Add(time.Hour), c.Now())
	c.Set(t0) // backwards: no hook
	assert.Equal(t, t0, c.Now())
	assert.Equal(t, []time.Duration{time.Minute, 59 * time.Minute}, moved)
	assert.Panics(t, func() { c.Advance(-time.Second) })
}

func TestClockConcurrent(t *testing.T) {
	c := NewClock(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Second)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, time.Unix(800, 0), c.Now())
}
