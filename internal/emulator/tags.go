package emulator

import (
	"net/http"
	"sort"
	"strings"
)

// ARM's documented tag limits
// (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations).
const (
	maxTags           = 50
	maxTagNameLength  = 512
	maxTagValueLength = 256
)

// validateTags enforces ARM's tag limits on every tracked resource: at most
// 50 tags, names of 1-512 characters without < > % & \ ? /, values of at most
// 256 characters. The codes TooManyTags, InvalidTagNameLength and
// InvalidTagValueLength are the emulator's choice (see docs/emulator.md);
// InvalidTagNameCharacters is ARM's.
func validateTags(tags map[string]string) *apiError {
	if len(tags) > maxTags {
		return errf(http.StatusBadRequest, "TooManyTags",
			"The number of tags %d exceeds the maximum of %d tags per resource.", len(tags), maxTags).withTarget("tags")
	}
	names := make([]string, 0, len(tags))
	for k := range tags {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := tags[k]
		switch {
		case strings.TrimSpace(k) == "":
			return errf(http.StatusBadRequest, "InvalidTagNameCharacters", "The tag name must not be empty.").withTarget("tags")
		case len([]rune(k)) > maxTagNameLength:
			return errf(http.StatusBadRequest, "InvalidTagNameLength",
				"The tag name '%s...' exceeds the maximum length of %d characters.", string([]rune(k)[:32]), maxTagNameLength).
				withTarget("tags")
		case strings.ContainsAny(k, `<>%&\?/`):
			return errf(http.StatusBadRequest, "InvalidTagNameCharacters",
				"The tag names '%s' have reserved characters '<,>,%%,&,\\,?,/' or control characters.", k).withTarget("tags")
		case len([]rune(v)) > maxTagValueLength:
			return errf(http.StatusBadRequest, "InvalidTagValueLength",
				"The value of tag '%s' exceeds the maximum length of %d characters.", k, maxTagValueLength).withTarget("tags")
		}
	}
	return nil
}
