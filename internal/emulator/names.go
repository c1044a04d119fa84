package emulator

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// nameRule checks: 1-80 chars; first is a letter or digit; the rest are
// word characters or one of extra; the last is not '-' or '.'.
func nameRule(n, extra string) bool {
	if len(n) == 0 || len(n) > 80 {
		return false
	}
	for i, c := range n {
		alnum := c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
		switch {
		case i == 0 && !alnum:
			return false
		case !alnum && c != '_' && !strings.ContainsRune(extra, c):
			return false
		}
	}
	last := n[len(n)-1]
	return last != '-' && last != '.'
}

// invalidName is the Compute error for a name breaking its rule.
func invalidName(param, rule string) *apiError {
	return errf(http.StatusBadRequest, "InvalidParameter",
		"The entity name '%s' is invalid according to its validation rule: %s.", param, rule).withTarget(param)
}

// ruleName returns a checkName for the rule nameRule(n, extra), reported as param breaking rule.
func ruleName(param, extra, rule string) func(string) *apiError {
	return func(n string) *apiError {
		if !nameRule(n, extra) {
			return invalidName(param, rule)
		}
		return nil
	}
}

// versionNamePattern is Major.Minor.Patch with int32 parts.
var versionNamePattern = regexp.MustCompile(`^\d{1,10}\.\d{1,10}\.\d{1,10}$`)

// versionNameOK validates a version name (image, application and profile versions).
func versionNameOK(n string) bool {
	if !versionNamePattern.MatchString(n) {
		return false
	}
	for _, p := range strings.Split(n, ".") {
		if v, err := strconv.ParseInt(p, 10, 64); err != nil || v > 2147483647 {
			return false
		}
	}
	return true
}

// semverName returns a checkName for the versions of a type: Azure's message for an image
// version; the same words for the other versions (the emulator's guess, docs/emulator.md).
func semverName(label, param string) func(string) *apiError {
	return func(n string) *apiError {
		if !versionNameOK(n) {
			return errf(http.StatusBadRequest, "InvalidParameter",
				"The %s name '%s' is invalid. It must be in the format Major(int32).Minor(int32).Patch(int32).",
				label, n).withTarget(param)
		}
		return nil
	}
}
