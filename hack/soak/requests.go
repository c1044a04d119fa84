package main

import (
	"context"
	"sync"
	"time"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// collector moves the emulator's ARM request log (at most 20,000 entries) into memory: it fetches
// the log and clears it every few seconds. A request logged between a fetch and the clear that
// follows it (well under a millisecond apart) is missed.
type collector struct {
	ctl  *emulator.Control
	mu   sync.Mutex
	recs []emulator.RequestRecord
	errs int
}

func (c *collector) poll(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	recs, err := c.ctl.Requests(ctx)
	if err == nil {
		err = c.ctl.ResetRequests(ctx)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.errs++
	}
	c.recs = append(c.recs, recs...)
}

func (c *collector) run(ctx context.Context, every time.Duration) {
	for sleep(ctx, every) == nil {
		c.poll(ctx)
	}
}

func (c *collector) all() []emulator.RequestRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]emulator.RequestRecord(nil), c.recs...)
}
