package manifests_test

import (
	"sort"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// TestCRDDescriptionsAreParagraphs fails when a description in a CRD of config/crd/bases breaks a
// line mid-sentence, which `kubectl explain` would show as is: `make manifests` runs
// hack/crd-descriptions, which keeps a line break only at a blank line (a paragraph) or before a
// list item ("- " or "* ").
func TestCRDDescriptionsAreParagraphs(t *testing.T) {
	for name, crd := range configCRDs(t) {
		for _, v := range crd.Spec.Versions {
			if v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
				continue
			}
			walkDescriptions(name+"/"+v.Name, v.Schema.OpenAPIV3Schema, func(path, d string) {
				if line, ok := midSentenceBreak(d); ok {
					t.Errorf("%s: the description breaks a line mid-sentence before %q (run make manifests)", path, line)
				}
			})
		}
	}
}

// TestMidSentenceBreak checks the rule the test above applies.
func TestMidSentenceBreak(t *testing.T) {
	for d, bad := range map[string]bool{
		"one line":                                  false,
		"a paragraph.\n\nAnother one.":              false,
		"a list:\n- one\n- two\n  * nested":         false,
		"features, such as A or\nB.":                true,
		"a list:\n- one that goes\n  on":            true,
		"text.\n\n\nafter two blank lines":          false,
		"ends with a newline\n":                     false,
		"a paragraph\n\nthen a broken\nparagraph.":  true,
		"More info:\nhttps://example.com/reference": true,
	} {
		if _, got := midSentenceBreak(d); got != bad {
			t.Errorf("midSentenceBreak(%q) = %t, want %t", d, got, bad)
		}
	}
}

// midSentenceBreak returns the first line of d that follows a single line break and is not a
// list item.
func midSentenceBreak(d string) (string, bool) {
	lines := strings.Split(d, "\n")
	for i := 1; i < len(lines); i++ {
		prev, l := strings.TrimSpace(lines[i-1]), strings.TrimSpace(lines[i])
		if prev == "" || l == "" || strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "* ") {
			continue
		}
		return l, true
	}
	return "", false
}

// walkDescriptions calls f with the path and description of s and of every schema below it.
func walkDescriptions(path string, s *apiextensionsv1.JSONSchemaProps, f func(path, d string)) {
	if s == nil {
		return
	}
	if s.Description != "" {
		f(path, s.Description)
	}
	walkMap := func(suffix string, m map[string]apiextensionsv1.JSONSchemaProps) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := m[k]
			walkDescriptions(path+suffix+k, &sub, f)
		}
	}
	walkMap(".", s.Properties)
	walkMap(".patternProperties.", s.PatternProperties)
	walkMap(".definitions.", s.Definitions)
	for i := range s.AllOf {
		walkDescriptions(path+".allOf", &s.AllOf[i], f)
	}
	for i := range s.AnyOf {
		walkDescriptions(path+".anyOf", &s.AnyOf[i], f)
	}
	for i := range s.OneOf {
		walkDescriptions(path+".oneOf", &s.OneOf[i], f)
	}
	walkDescriptions(path+".not", s.Not, f)
	if s.Items != nil {
		walkDescriptions(path+"[]", s.Items.Schema, f)
		for i := range s.Items.JSONSchemas {
			walkDescriptions(path+"[]", &s.Items.JSONSchemas[i], f)
		}
	}
	if s.AdditionalProperties != nil {
		walkDescriptions(path+".additionalProperties", s.AdditionalProperties.Schema, f)
	}
	if s.AdditionalItems != nil {
		walkDescriptions(path+".additionalItems", s.AdditionalItems.Schema, f)
	}
	for k, dep := range s.Dependencies {
		walkDescriptions(path+".dependencies."+k, dep.Schema, f)
	}
}
