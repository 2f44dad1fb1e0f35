package bot

import (
	"sync"
)

// dispatcher runs jobs on a bounded pool of workers so that the jobs of one
// key (a chat) run one at a time in the order they arrived, while jobs of
// different keys run in parallel.
type dispatcher[T any] struct {
	run func(T)

	mu    sync.Mutex
	queue map[int64]*keyQueue[T]
	ready chan int64 // keys with queued jobs and no worker on them
	wg    sync.WaitGroup
}

type keyQueue[T any] struct {
	jobs []T
}

// newDispatcher starts workers goroutines that call run for each job.
// readyCap bounds how many keys may wait for a worker before push blocks.
func newDispatcher[T any](workers, readyCap int, run func(T)) *dispatcher[T] {
	d := &dispatcher[T]{run: run, queue: map[int64]*keyQueue[T]{}, ready: make(chan int64, readyCap)}
	d.wg.Add(workers)
	for range workers {
		go d.work()
	}
	return d
}

// push queues job behind the earlier jobs of key. It blocks only when more
// than readyCap keys wait for a worker (back-pressure on the source).
func (d *dispatcher[T]) push(key int64, job T) {
	d.mu.Lock()
	q, busy := d.queue[key]
	if !busy {
		q = &keyQueue[T]{}
		d.queue[key] = q
	}
	q.jobs = append(q.jobs, job)
	d.mu.Unlock()
	if !busy {
		d.ready <- key
	}
}

// work takes a ready key and runs its jobs until its queue is empty; the key
// stays claimed by this worker meanwhile, which keeps the order.
func (d *dispatcher[T]) work() {
	defer d.wg.Done()
	for key := range d.ready {
		for {
			d.mu.Lock()
			q := d.queue[key]
			if len(q.jobs) == 0 {
				delete(d.queue, key)
				d.mu.Unlock()
				break
			}
			job := q.jobs[0]
			var zero T
			q.jobs[0] = zero
			q.jobs = q.jobs[1:]
			d.mu.Unlock()
			d.run(job)
		}
	}
}

// close stops accepting work (no push may follow), lets the workers finish
// every queued job, and waits for them.
func (d *dispatcher[T]) close() {
	close(d.ready)
	d.wg.Wait()
}
