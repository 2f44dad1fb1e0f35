package main

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/bot/telegramtest"
)

// benchUsers is how many residents talk to the bot at once in benchmarks.
const benchUsers = 50

// closedLoop has users each send an update with act and wait for the bot's
// reply before the next, until b.N updates were answered; it reports
// updates per second. Allocations are of the whole process: the program and
// the fake Bot API together.
func closedLoop(b *testing.B, a *app, act func(u telegramtest.User, i int)) {
	b.Helper()
	users := make([]telegramtest.User, benchUsers)
	for i := range users {
		users[i] = resident(int64(500000+i), "vi")
		a.api.SendText(users[i], "/start")
	}
	for _, u := range users {
		_, err := a.api.WaitMessages(u.ID, 1, wait)
		require.NoError(b, err)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen := len(a.api.Messages(u.ID))
			for {
				i := int(next.Add(1))
				if i > b.N {
					return
				}
				act(u, i)
				seen++
				if _, err := a.api.WaitMessages(u.ID, seen, wait); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "updates/s")
}

// BenchmarkUpdatePath: /help in, the help text and menu out, per backend.
func BenchmarkUpdatePath(b *testing.B) {
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			a := startApp(b, backend, nil)
			closedLoop(b, a, func(u telegramtest.User, _ int) { a.api.SendText(u, "/help") })
		})
	}
}

// BenchmarkFlowStep: one flow step per update (a button press in, the next
// step out, stored with compare-and-set and counted in the funnel), per
// backend. Each resident goes back and forth between two steps of the VNeID
// flow.
func BenchmarkFlowStep(b *testing.B) {
	lib, _ := shipped(b)
	vneid, _ := lib.Flow("vneid")
	start := vneid.Steps[vneid.Start]
	forward := start.Choices[0].Label["vi"]
	for _, backend := range backends {
		b.Run(backend, func(b *testing.B) {
			a := startApp(b, backend, nil)
			closedLoop(b, a, func(u telegramtest.User, i int) {
				label := forward
				last, _ := a.api.LastMessage(u.ID)
				if !last.HasButton(forward) {
					label = "⬅️ Quay lại"
					if !last.HasButton(label) {
						label = vneid.Title["vi"] // the menu: start the flow
					}
				}
				if _, err := a.api.PressButton(u, label); err != nil {
					b.Error(err)
				}
			})
		})
	}
}
