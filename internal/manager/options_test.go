package manager

import "testing"

// The manager reads its own writes whenever controller-runtime can promise it: a cache of all
// namespaces or of one. With several, it cannot, and the reads stay as they were.
func TestClientOptionsReadYourWrites(t *testing.T) {
	for namespaces, want := range map[string]bool{
		"":              true,
		"team-a":        true,
		" team-a , ":    true,
		"team-a,team-b": false,
	} {
		opts := ClientOptions(namespaces)
		if opts.Cache == nil || opts.Cache.EnableReadYourWritesConsistency == nil {
			t.Fatalf("ClientOptions(%q): read-your-writes left unset", namespaces)
		}
		if got := *opts.Cache.EnableReadYourWritesConsistency; got != want {
			t.Errorf("ClientOptions(%q): read-your-writes %v, want %v", namespaces, got, want)
		}
	}
}
