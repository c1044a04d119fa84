package image

import (
	"testing"

	"github.com/azgallery/gallery-operator/internal/azure"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// TestHintMakesDuplicateIdentifiersTerminal: Azure refuses an image whose publisher/offer/sku
// another image of the gallery has; only the user can fix that, so it must not be retried hot.
func TestHintMakesDuplicateIdentifiersTerminal(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		code, msg    string
		wantTerminal bool
	}{
		{"409 duplicate identifier", 409, "Conflict", "Gallery image definition with the same Publisher 'p', Offer 'o' and SKU 's' exists in gallery 'g'.", true},
		{"409 already exists", 409, "Conflict", "An image definition 'x' already exists.", true},
		{"LRO Failed duplicate", 200, "Conflict", "image with publisher p, offer o and sku s already exists", true},
		{"409 ongoing operation", 409, "Conflict", "Cannot modify the image: an ongoing operation must complete first.", false},
		{"500 mentioning exists", 500, "InternalServerError", "the image already exists", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &reconcile.Failure{Azure: &azure.Error{HTTPStatus: tt.status, Code: tt.code, Message: tt.msg}}
			Kind{}.Hint(f)
			if f.Terminal != tt.wantTerminal {
				t.Errorf("terminal = %v, want %v", f.Terminal, tt.wantTerminal)
			}
		})
	}
}
