// Package v1alpha1 contains the GalleryImage API: an Azure Compute Gallery image definition
// (Microsoft.Compute/galleries/images, api-version 2024-03-03) managed declaratively.
// +kubebuilder:object:generate=true
// +groupName=compute.azgallery.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of the GalleryImage kind.
	GroupVersion = schema.GroupVersion{Group: "compute.azgallery.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this group version with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
