package main

import (
	"strings"
	"testing"
	"time"
)

// Settings only the user can get wrong are refused before the manager starts, naming the flag.
func TestRunRefusesBadSettings(t *testing.T) {
	good := options{driftResync: time.Hour, terminalRetry: time.Hour, defaultPolicy: "Manage"}
	for flag, o := range map[string]options{
		"--drift-resync":              {terminalRetry: time.Hour, defaultPolicy: "Manage"},
		"--terminal-error-retry":      {driftResync: time.Hour, defaultPolicy: "Manage"},
		"--default-management-policy": {driftResync: good.driftResync, terminalRetry: good.terminalRetry, defaultPolicy: "manage"},
	} {
		err := run(o)
		if err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("%s: run returned %v, want an error naming %s", flag, err, flag)
		}
	}
}
