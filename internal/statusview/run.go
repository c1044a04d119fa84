package statusview

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"k8s.io/client-go/rest"
)

// Options say what Run shows.
type Options struct {
	Namespace string
	// Name is the Gallery to show; "" shows every Gallery in the namespace, then the missing
	// parents of the objects under none.
	Name   string
	Format Format
	// Watch shows the trees again after each change, until the context ends.
	Watch bool
	// Clear clears the terminal before each rendering of Watch; else renderings follow each
	// other (tables with a blank line between them, YAML documents with ---).
	Clear bool
	// Now dates the ages; nil is time.Now.
	Now func() time.Time
}

// NotFoundError is a named Gallery that is not in the namespace.
type NotFoundError struct{ Namespace, Name string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %q not found in namespace %s", Root.Name, e.Name, e.Namespace)
}

// Run shows the trees of o from the cluster cfg points at. Without Watch, a named Gallery that
// does not exist is shown (Missing, with the objects that reference it) and is a *NotFoundError.
func Run(ctx context.Context, cfg *rest.Config, o Options, w io.Writer) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	c, err := Connect(cfg)
	if err != nil {
		return err
	}
	if !o.Watch {
		s, err := c.List(ctx, o.Namespace)
		if err != nil {
			return err
		}
		found, err := render(w, s, o)
		if err == nil && !found {
			err = &NotFoundError{Namespace: o.Namespace, Name: o.Name}
		}
		return err
	}
	var last []byte
	return c.Watch(ctx, o.Namespace, func(s Snapshot) error {
		var b bytes.Buffer
		if _, err := render(&b, s, o); err != nil {
			return err
		}
		if bytes.Equal(b.Bytes(), last) {
			return nil
		}
		if _, err := io.WriteString(w, separator(o, last != nil)); err != nil {
			return err
		}
		last = b.Bytes()
		_, err := w.Write(last)
		return err
	})
}

// render builds and writes the trees of snapshot s; found is false for a named Gallery that
// does not exist.
func render(w io.Writer, s Snapshot, o Options) (found bool, err error) {
	roots, found := Build(s, o.Namespace, o.Name)
	return found, Render(w, View{Namespace: o.Namespace, Items: roots}, o.Format, o.Now())
}

// separator comes before a rendering of Watch; more says one was shown before.
func separator(o Options, more bool) string {
	switch {
	case o.Clear:
		return "\x1b[H\x1b[2J"
	case !more || o.Format == FormatJSON:
		return ""
	case o.Format == FormatYAML:
		return "---\n"
	}
	return "\n"
}
