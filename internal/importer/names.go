package importer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// ObjectName derives an object name (a DNS-1123 subdomain without dots) from an Azure name:
// lower-case, every character other than a letter, digit or '-' ('_', '.') becomes '-', runs of
// '-' collapse, and leading and trailing '-' go. "Platform_Gallery.v2" -> "platform-gallery-v2".
func ObjectName(azureName string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(azureName) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if len(name) > validation.DNS1123SubdomainMaxLength {
		name = strings.TrimRight(name[:validation.DNS1123SubdomainMaxLength], "-")
	}
	if name == "" {
		name = "x"
	}
	return name
}

// assignNames names the nodes of one level (one kind, sorted by Azure path). A node gets
// ObjectName of its Azure name (or the mapping's wantedName); when several nodes of the level would get the same name, each
// of them is prefixed with its parent's object name (or, for root nodes, with its resource
// group); a name still taken gets the suffix -2, -3, ... in path order. So importing one gallery
// names its images plainly, and images of the same name in two galleries get the galleries' names.
func assignNames(level []*Node, m mapping) []string {
	wanted := make([]string, len(level))
	count := map[string]int{}
	for i, n := range level {
		wanted[i] = ObjectName(n.AzureName())
		if nm, ok := m.(namer); ok {
			wanted[i] = nm.wantedName(n)
		}
		count[wanted[i]]++
	}
	for i, n := range level {
		if count[wanted[i]] > 1 {
			wanted[i] = joinName(prefixOf(n), wanted[i])
		}
	}
	taken := map[string]bool{}
	out := make([]string, len(level))
	for i := range level {
		name := wanted[i]
		for k := 2; taken[name]; k++ {
			name = joinName(wanted[i], fmt.Sprint(k))
		}
		taken[name] = true
		out[i] = name
	}
	return out
}

// prefixOf is what disambiguates a node's name: its parent's object name, or its resource group.
func prefixOf(n *Node) string {
	if n.Parent != nil && n.Parent.Object != nil {
		return n.Parent.Object.GetName()
	}
	return ObjectName(n.Ref.ResourceGroup)
}

// joinName joins two names with '-', keeping the result a valid name.
func joinName(a, b string) string { return ObjectName(a + "-" + b) }

// retry runs read until it succeeds, fails for good, or has failed 6 times; throttling (429) and
// server errors are retried after Azure's Retry-After or an exponential backoff (1s, 2s, 4s...).
func retry(ctx context.Context, read func() error) error {
	wait := time.Second
	for attempt := 1; ; attempt++ {
		err := read()
		if err == nil {
			return nil
		}
		again, e := retryable(err)
		if !again || attempt == 6 {
			return err
		}
		d := wait
		if e.RetryAfter > 0 {
			d = e.RetryAfter
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(d):
		}
		wait *= 2
	}
}
