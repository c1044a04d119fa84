package azure

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// AllPages reads every page of pager and returns the items of all of them, as values picks them
// from a page: a collection's list, whatever its number of pages.
func AllPages[P, T any](ctx context.Context, pager *runtime.Pager[P], values func(P) []*T) ([]*T, error) {
	var out []*T
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, values(page)...)
	}
	return out, nil
}
