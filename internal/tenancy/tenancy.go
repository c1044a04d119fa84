// Package tenancy keeps tenants apart: the annotations on a namespace say in which Azure
// subscriptions and resource groups the operator may write for the objects of that namespace.
// The API server enforces them at admission with the ValidatingAdmissionPolicy of
// config/components/tenancy; the reconciler enforces them again (--enforce-namespace-scopes)
// for objects admitted before a namespace's rule changed, before any write reaches Azure.
//
// The rule, the same in both places:
//
//   - AllowedResourceGroups (comma-separated, case-insensitive, "*" for any) lists the resource
//     groups a namespace's objects may live in. A namespace without it may use none: turning
//     tenancy on confines every namespace to what its annotations grant.
//   - AllowedSubscriptions (comma-separated, "*" for any) lists the subscriptions. A namespace
//     without it may use only the default subscription (the operator's AZURE_SUBSCRIPTION_ID),
//     so an object there must leave spec.subscriptionId empty.
//   - A reference (galleryRef, imageRef) names an object of the same namespace and inherits its
//     scope; admission lets it pass, and the reconciler checks the scope it resolves to.
package tenancy

import (
	"context"
	"fmt"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"

	"github.com/azgallery/gallery-operator/internal/reconcile"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The namespace annotations of the rule.
const (
	AllowedResourceGroups = "compute.azgallery.io/allowed-resource-groups"
	AllowedSubscriptions  = "compute.azgallery.io/allowed-subscriptions"
)

// ReasonScopeNotAllowed is the condition reason of an object whose namespace does not allow its
// subscription or resource group.
const ReasonScopeNotAllowed = "ScopeNotAllowed"

// Checker reads an object's namespace and checks the scope its Azure resource resolves to.
type Checker struct {
	// Reader reads namespaces (the manager's API reader: one GET, no cache, no list or watch).
	Reader client.Reader
	// DefaultSubscription is the operator's own subscription, allowed where a namespace has no
	// AllowedSubscriptions annotation.
	DefaultSubscription string
}

// Check is the reconciler's ScopeCheck: it returns a terminal *reconcile.Failure with the reason
// ScopeNotAllowed when the namespace of obj does not allow ref's subscription or resource group
// (ref's subscription is the resolved one), and a transient error when the namespace cannot be
// read.
func (c *Checker) Check(ctx context.Context, obj client.Object, ref *arm.ResourceID) error {
	ns := &corev1.Namespace{}
	if err := c.Reader.Get(ctx, client.ObjectKey{Name: obj.GetNamespace()}, ns); err != nil {
		return fmt.Errorf("reading namespace %s for its allowed scopes: %w", obj.GetNamespace(), err)
	}
	if err := Allowed(ns, ref, c.DefaultSubscription); err != nil {
		return reconcile.Refusal(ReasonScopeNotAllowed,
			err.Error()+"; nothing is written to Azure for this object until the namespace allows it")
	}
	return nil
}

// ScopeError says which namespace rule refuses which part of an object's scope.
type ScopeError struct {
	Namespace  string
	Annotation string
	Field      string
	Value      string
	Allowed    string
	Missing    bool
}

func (e *ScopeError) Error() string {
	if e.Missing && e.Annotation == AllowedSubscriptions {
		return fmt.Sprintf("%s %q is not allowed: namespace %s has no annotation %s, so its objects may use only the operator's default subscription",
			e.Field, e.Value, e.Namespace, e.Annotation)
	}
	if e.Missing {
		return fmt.Sprintf("%s %q is not allowed: namespace %s has no annotation %s, which lists the %s its objects may use",
			e.Field, e.Value, e.Namespace, e.Annotation, noun(e.Annotation))
	}
	return fmt.Sprintf("%s %q is not allowed: namespace %s allows only %q (annotation %s)",
		e.Field, e.Value, e.Namespace, e.Allowed, e.Annotation)
}

func noun(annotation string) string {
	if annotation == AllowedSubscriptions {
		return "subscriptions"
	}
	return "resource groups"
}

// Allowed checks ref against the annotations of ns. defaultSubscription is the subscription a
// namespace without AllowedSubscriptions may use.
func Allowed(ns *corev1.Namespace, ref *arm.ResourceID, defaultSubscription string) error {
	groups, ok := ns.Annotations[AllowedResourceGroups]
	if !ok || !listed(groups, ref.ResourceGroupName) {
		return &ScopeError{Namespace: ns.Name, Annotation: AllowedResourceGroups, Field: "resource group",
			Value: ref.ResourceGroupName, Allowed: groups, Missing: !ok}
	}
	subs, ok := ns.Annotations[AllowedSubscriptions]
	switch {
	case ok && listed(subs, ref.SubscriptionID):
		return nil
	case !ok && defaultSubscription != "" && strings.EqualFold(ref.SubscriptionID, defaultSubscription):
		return nil
	}
	return &ScopeError{Namespace: ns.Name, Annotation: AllowedSubscriptions, Field: "subscription",
		Value: ref.SubscriptionID, Allowed: subs, Missing: !ok}
}

// listed reports whether value is in the comma-separated list (case-insensitive, blanks
// trimmed), or the list holds "*".
func listed(list, value string) bool {
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "*" || item != "" && strings.EqualFold(item, value) {
			return true
		}
	}
	return false
}
