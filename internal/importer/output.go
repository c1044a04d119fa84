package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Manifest renders one object as YAML: no status, no empty metadata fields, no empty
// spec.properties.
func Manifest(n *Node) ([]byte, error) {
	raw, err := json.Marshal(n.Object)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	if spec, ok := m["spec"].(map[string]any); ok {
		if props, ok := spec["properties"].(map[string]any); ok && len(props) == 0 {
			delete(spec, "properties")
		}
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Imported from %s\n", n.Ref)
	for _, w := range n.Warnings {
		fmt.Fprintf(&b, "# WARNING: %s\n", w)
	}
	b.Write(out)
	return b.Bytes(), nil
}

// WriteStream writes the objects to w as one multi-document YAML stream, parents first.
func WriteStream(w io.Writer, nodes []*Node) error {
	for i, n := range nodes {
		doc, err := Manifest(n)
		if err != nil {
			return err
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(doc); err != nil {
			return err
		}
	}
	return nil
}

// FileName is the file of a node's object in an output directory: <kind>-<name>.yaml, lower-case.
func FileName(n *Node) string {
	return strings.ToLower(n.Kind) + "-" + n.Object.GetName() + ".yaml"
}

// WriteDir writes one file per object into dir (created if needed) and returns the paths written.
func WriteDir(dir string, nodes []*Node) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, n := range nodes {
		doc, err := Manifest(n)
		if err != nil {
			return paths, err
		}
		path := filepath.Join(dir, FileName(n))
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}
