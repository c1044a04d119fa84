// Package kindfuzz is what the kinds' fuzz tests share: a reader that turns the fuzzer's bytes
// into choices, and the properties every kind's pure part must have (a body never differs from
// itself, its hash is a stable 16-hex string, bodies that hash alike never differ).
package kindfuzz

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Bytes hands out the fuzzer's bytes as choices; past the end every byte is 0.
type Bytes struct{ b []byte }

// NewBytes reads data.
func NewBytes(data []byte) *Bytes { return &Bytes{b: data} }

// Next is the next byte.
func (f *Bytes) Next() byte {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c
}

// Intn is 0..n-1 from one byte.
func (f *Bytes) Intn(n int) int { return int(f.Next()) % max(n, 1) }

// Int32n is 0..n-1 from two bytes.
func (f *Bytes) Int32n(n int) int32 { return int32((int(f.Next())<<8 | int(f.Next())) % max(n, 1)) }

// Flag is a coin toss.
func (f *Bytes) Flag() bool { return f.Next()&1 == 1 }

// Pick is one of ss.
func (f *Bytes) Pick(ss ...string) string { return ss[f.Intn(len(ss))] }

// Text is up to maxLen arbitrary bytes, made valid UTF-8 as the API server's JSON would.
func (f *Bytes) Text(maxLen int) string {
	var b []byte
	for range f.Intn(maxLen + 1) {
		b = append(b, f.Next())
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// Word is 1..maxLen characters of alphabet, ending with one of last.
func (f *Bytes) Word(alphabet, last string, maxLen int) string {
	var b []byte
	for range f.Intn(maxLen) {
		b = append(b, alphabet[f.Intn(len(alphabet))])
	}
	return string(append(b, last[f.Intn(len(last))]))
}

// GUID is one of a few GUIDs, in lower or upper case.
func (f *Bytes) GUID() string {
	g := fmt.Sprintf("00000000-0000-0000-0000-0000000000%02x", f.Intn(8)+0xa0)
	if f.Flag() {
		g = strings.ToUpper(g)
	}
	return g
}

// Shuffle permutes s in place (Fisher-Yates driven by the bytes).
func Shuffle[T any](f *Bytes, s []T) {
	for i := len(s) - 1; i > 0; i-- {
		j := f.Intn(i + 1)
		s[i], s[j] = s[j], s[i]
	}
}

// SwapCase swaps the case of ASCII letters (Azure compares names ignoring ASCII case).
func SwapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 32
		case c >= 'A' && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}

// Pure is a kind's pure part: the diff of a body against Azure's and its hash.
type Pure[B any] struct {
	Diff func(desired B, existing *B) []string
	Hash func(desired B) string
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{16}$`)

// SelfConsistent checks that x never differs from itself and hashes to a stable 16-hex string;
// it returns the hash.
func (p Pure[B]) SelfConsistent(t *testing.T, x B) string {
	t.Helper()
	if diff := p.Diff(x, &x); len(diff) != 0 {
		t.Errorf("Diff(x, &x) = %q", diff)
	}
	h := p.Hash(x)
	if !hexHash.MatchString(h) || p.Hash(x) != h {
		t.Errorf("the hash is not a stable 16-hex string: %q then %q", h, p.Hash(x))
	}
	return h
}

// HashAgreesWithDiff checks that bodies that hash alike differ in nothing, either way.
func (p Pure[B]) HashAgreesWithDiff(t *testing.T, x, y B) {
	t.Helper()
	if p.Hash(x) == p.Hash(y) && (len(p.Diff(x, &y)) != 0 || len(p.Diff(y, &x)) != 0) {
		t.Errorf("equal hashes but Diff %q / %q", p.Diff(x, &y), p.Diff(y, &x))
	}
}
