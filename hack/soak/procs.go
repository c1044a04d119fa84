package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/azgallery/gallery-operator/internal/localenv"
)

// supervisor runs the manager, restarts it after a SIGKILL, and notices when it exits by itself.
type supervisor struct {
	dir, bin, kubeconfig string
	em                   *localenv.Emulator
	args                 []string

	mu        sync.Mutex
	mgr       *localenv.Manager
	logs      []string // archived logs, one per process
	kills     int
	selfExits int
	starts    []time.Duration // time from start to ready
}

// start starts the manager, trying up to three times.
func (s *supervisor) start() error {
	var err error
	for try := 0; try < 3; try++ {
		t := time.Now()
		var m *localenv.Manager
		if m, err = localenv.StartManager(s.dir, s.bin, s.kubeconfig, s.em, s.args...); err == nil {
			s.mgr = m
			s.starts = append(s.starts, time.Since(t))
			return nil
		}
		s.archive()
		note("manager did not start (try %d): %.300v", try+1, err)
		time.Sleep(2 * time.Second)
	}
	return err
}

// archive keeps the log of the process that just ended as manager.NN.log.
func (s *supervisor) archive() {
	src := filepath.Join(s.dir, "manager.log")
	dst := filepath.Join(s.dir, fmt.Sprintf("manager.%02d.log", len(s.logs)+1))
	if err := os.Rename(src, dst); err == nil {
		s.logs = append(s.logs, dst)
	}
}

// kill SIGKILLs the manager and starts it again.
func (s *supervisor) kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	pid := s.mgr.PID()
	s.mgr.Kill()
	s.kills++
	s.archive()
	if err := s.start(); err != nil {
		return err
	}
	note("manager SIGKILLed (pid %d, kill %d) and started again (pid %d, ready in %s)", pid, s.kills, s.mgr.PID(),
		s.starts[len(s.starts)-1].Round(100*time.Millisecond))
	return nil
}

// watch restarts a manager that exited by itself, every second until ctx ends.
func (s *supervisor) watch(ctx context.Context) {
	for sleep(ctx, time.Second) == nil {
		s.mu.Lock()
		if s.mgr != nil && s.mgr.Exited() {
			s.selfExits++
			note("the manager (pid %d) exited by itself; starting it again", s.mgr.PID())
			s.archive()
			if err := s.start(); err != nil {
				note("could not restart the manager: %v", err)
				s.mgr = nil
			}
		}
		s.mu.Unlock()
	}
}

// stop stops the manager (SIGINT) and archives its log.
func (s *supervisor) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mgr != nil {
		s.mgr.Stop()
		s.mgr = nil
		s.archive()
	}
}

func (s *supervisor) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mgr != nil && !s.mgr.Exited()
}
