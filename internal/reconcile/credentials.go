package reconcile

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
	"github.com/azgallery/gallery-operator/internal/azure"
)

// credentialsFor returns the operator's credentials, or those of the Secret ref names in
// namespace. Secret values are never put into errors.
func (r *Reconciler[O, B]) credentialsFor(ctx context.Context, namespace string, ref *v1alpha1.SecretReference) (azure.Credentials, error) {
	if ref == nil {
		return r.DefaultCredentials, nil
	}
	if !r.AllowCredentialSecrets {
		return azure.Credentials{}, Refusal(ReasonSecretsDisabled,
			"spec.credentialsSecretRef is set (here or on the referenced object) but the operator runs without --enable-credential-secrets; remove the reference or enable the option")
	}
	secret := &corev1.Secret{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, secret); err != nil {
		return azure.Credentials{}, Trouble(ReasonCredentials,
			fmt.Sprintf("reading the credentials Secret %q: %s", ref.Name, apierrors.ReasonForError(err)))
	}
	creds, err := azure.CredentialsFromSecretData(secret.Data)
	if err != nil {
		return azure.Credentials{}, Trouble(ReasonCredentials, fmt.Sprintf("Secret %q: %v", ref.Name, err))
	}
	if creds.SubscriptionID == "" {
		creds.SubscriptionID = r.DefaultCredentials.SubscriptionID // the Secret may leave the subscription to the operator
	}
	return creds, nil
}

func isNoSubscription(err error) bool { return errors.Is(err, azure.ErrNoSubscription) }

// asWaiting returns err as a *WaitingError, or nil.
func asWaiting(err error) *WaitingError {
	var w *WaitingError
	if errors.As(err, &w) {
		return w
	}
	return nil
}

// asThrottled returns err as an *azure.ThrottledError, or nil.
func asThrottled(err error) *azure.ThrottledError {
	var t *azure.ThrottledError
	if errors.As(err, &t) {
		return t
	}
	return nil
}
