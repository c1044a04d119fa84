package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Helpers the kinds share to build request bodies from specs and to normalise Azure's answers
// the way Azure itself compares them.

// DesiredTags converts spec tags; no tags stays nil.
func DesiredTags(tags map[string]string) map[string]*string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]*string, len(tags))
	for k, v := range tags {
		out[k] = &v
	}
	return out
}

// CanonicalLocation returns Azure's canonical spelling of a region: "West US" -> "westus"
// (lower-case, spaces removed).
func CanonicalLocation(loc string) string {
	return strings.ToLower(strings.ReplaceAll(loc, " ", ""))
}

// NormalTags lower-cases tag names (Azure treats them case-insensitively) and maps nil values to
// "". When two names differ only in case, the value of the name sorting first wins. No tags is nil.
func NormalTags(tags map[string]*string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(tags))
	out := make(map[string]string, len(tags))
	for _, k := range keys {
		lk := strings.ToLower(k)
		if _, dup := out[lk]; !dup {
			out[lk] = StrOf(tags[k])
		}
	}
	return out
}

// NormalSet returns the non-empty strings as a sorted set; nil when empty.
func NormalSet(ss []*string) []string {
	var out []string
	for _, s := range ss {
		if StrOf(s) != "" {
			out = append(out, *s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// StrOf dereferences a string-like pointer; nil is "".
func StrOf[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// StrOrDefault dereferences a string-like pointer, using def when it is nil or empty.
func StrOrDefault[T ~string](p *T, def string) string {
	if s := StrOf(p); s != "" {
		return s
	}
	return def
}

// OptionalString returns a pointer to a copy of s, or nil when s is empty.
func OptionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// OptionalEnum returns a pointer to s converted to the enum type T, or nil when s is empty.
func OptionalEnum[T ~string](s string) *T {
	if s == "" {
		return nil
	}
	v := T(s)
	return &v
}

// ClonePtr returns a pointer to a copy of *p, or nil.
func ClonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// ValueOr dereferences p, or returns def when p is nil.
func ValueOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// HashOf is a short stable hash of a kind's normalised body (its spec hash): the first 16 hex
// digits of the SHA-256 of its JSON form. normal holds only strings, numbers, pointers to them,
// maps and slices, whose fields keep their order, so Marshal cannot fail.
func HashOf(normal any) string {
	b, err := json.Marshal(normal)
	if err != nil {
		panic(fmt.Sprintf("azure: marshal normalised %T: %v", normal, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// Convert maps one struct onto another of the same JSON shape (a spec struct onto the SDK's, or
// back), dropping what the target does not have; nil stays nil. The API types use Azure's own JSON
// names, so this is how a kind converts what it sends unchanged.
func Convert[T any, S any](s *S) *T {
	if s == nil {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		panic("azure: marshal " + err.Error()) // API types and SDK models always marshal
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic("azure: the two types disagree on a JSON shape: " + err.Error())
	}
	return &out
}

// NormalMap is a map of optional strings with nil values as ""; nil when empty.
func NormalMap(m map[string]*string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = StrOf(v)
	}
	return out
}
