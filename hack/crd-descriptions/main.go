// Command crd-descriptions makes the descriptions of generated CRDs read as paragraphs.
// controller-gen keeps the line breaks of wrapped Go doc comments, so `kubectl explain` shows
// "...IsAcceleratedNetworkSupported\n or\n DiskControllerTypes...". This joins every single line
// break inside a schema description into a space, keeping blank-line paragraph breaks and list
// items (lines starting with "- " or "* ") on their own lines. `make manifests` and
// hack/verify-generated.sh run it on config/crd/bases after controller-gen:
//
//	go run ./hack/crd-descriptions config/crd/bases
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crd-descriptions DIR...")
		os.Exit(2)
	}
	for _, dir := range os.Args[1:] {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err == nil && len(files) == 0 {
			err = fmt.Errorf("no *.yaml in %s", dir)
		}
		for _, f := range files {
			if err == nil {
				err = rewriteFile(f)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "crd-descriptions:", err)
			os.Exit(1)
		}
	}
}

// rewriteFile rewrites the descriptions of the CRD in file, in place.
func rewriteFile(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var crd map[string]any
	// Numbers stay json.Number, so that they are written back exactly as they were.
	if err := yaml.Unmarshal(data, &crd, func(d *json.Decoder) *json.Decoder { d.UseNumber(); return d }); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	versions, _ := dig(crd, "spec", "versions").([]any)
	for _, v := range versions {
		if s, ok := dig(v, "schema", "openAPIV3Schema").(map[string]any); ok {
			walkSchema(s)
		}
	}
	out, err := yaml.Marshal(crd)
	if err != nil {
		return err
	}
	// controller-gen starts each file with a document separator.
	out = append([]byte("---\n"), out...)
	if bytes.Equal(out, data) {
		return nil
	}
	return os.WriteFile(file, out, 0o644)
}

// dig returns the value at a path of map keys, or nil.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// walkSchema rewrites the description of an OpenAPI schema and of every schema below it. Values
// (default, example, enum) are left alone: a "description" key in them is data.
func walkSchema(s map[string]any) {
	if d, ok := s["description"].(string); ok {
		s["description"] = Paragraphs(d)
	}
	for _, key := range []string{"properties", "patternProperties", "definitions", "dependencies"} {
		if m, ok := s[key].(map[string]any); ok {
			for _, sub := range m {
				walkAny(sub)
			}
		}
	}
	for _, key := range []string{"items", "additionalProperties", "additionalItems", "not", "allOf", "anyOf", "oneOf"} {
		walkAny(s[key])
	}
}

// walkAny walks a schema, a list of schemas, or ignores anything else (booleans, string lists).
func walkAny(v any) {
	switch v := v.(type) {
	case map[string]any:
		walkSchema(v)
	case []any:
		for _, e := range v {
			walkAny(e)
		}
	}
}

// Paragraphs joins the lines of each paragraph of s with spaces. A line break stays before and
// after a blank line, and before a list item ("- " or "* ", possibly indented); a line that
// continues a list item joins it.
func Paragraphs(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:1]
	for i, l := range lines[1:] {
		if isBlank(l) || isBlank(lines[i]) || isListItem(l) {
			out = append(out, l)
			continue
		}
		last := len(out) - 1
		out[last] = strings.TrimRight(out[last], " \t") + " " + strings.TrimLeft(l, " \t")
	}
	return strings.Join(out, "\n")
}

func isBlank(l string) bool { return strings.TrimSpace(l) == "" }

func isListItem(l string) bool {
	l = strings.TrimLeft(l, " \t")
	return strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "* ")
}
