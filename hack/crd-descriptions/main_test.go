package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParagraphs(t *testing.T) {
	for in, want := range map[string]string{
		"one line": "one line",
		"features, such as A or\nB. Each name\nappears once.":           "features, such as A or B. Each name appears once.",
		"first paragraph\ngoes on.\n\nsecond\none.":                     "first paragraph goes on.\n\nsecond one.",
		"values:\n- Delete removes it\n  in Azure,\n* Orphan keeps it.": "values:\n- Delete removes it in Azure,\n* Orphan keeps it.",
		"trailing space \nand indent":                                   "trailing space and indent",
		"a\n\n\nb":                                                      "a\n\n\nb",
		"-1 is not\na list item":                                        "-1 is not a list item",
	} {
		if got := Paragraphs(in); got != want {
			t.Errorf("Paragraphs(%q) = %q, want %q", in, got, want)
		}
		if got := Paragraphs(want); got != want {
			t.Errorf("Paragraphs is not idempotent on %q: %q", want, got)
		}
	}
}

// TestRewriteFile rewrites a CRD: schema descriptions are joined at every depth, values that
// happen to have a "description" key are not, and numbers survive exactly.
func TestRewriteFile(t *testing.T) {
	crd := `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        description: |-
          A thing
          with a description.
        properties:
          description:
            description: |-
              the description
              of the thing.
            maxLength: 9007199254740993
            type: string
          list:
            items:
              description: |-
                an item
                of the list.
              type: object
            type: array
          values:
            default:
              description: |-
                not
                a schema
            type: object
        type: object
`
	file := filepath.Join(t.TempDir(), "crd.yaml")
	if err := os.WriteFile(file, []byte(crd), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rewriteFile(file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := string(data)
	for _, want := range []string{"description: A thing with a description.", "description: the description of the thing.",
		"description: an item of the list.", "maxLength: 9007199254740993", "|-\n                not\n                a schema"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasPrefix(out, "---\n") {
		t.Error("the document separator at the top is lost")
	}
}
