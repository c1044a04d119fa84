// Package controllers wires every kind of the operator to the reconcile core
// (internal/reconcile): one Register call per kind. Each kind's body, diff and Azure client live
// in internal/kinds/<kind>; the envtest suites beside this file drive them through a real API
// server and the Azure emulator.
package controllers

import (
	"fmt"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/azgallery/gallery-operator/internal/kinds/application"
	"github.com/azgallery/gallery-operator/internal/kinds/appversion"
	"github.com/azgallery/gallery-operator/internal/kinds/gallery"
	"github.com/azgallery/gallery-operator/internal/kinds/image"
	"github.com/azgallery/gallery-operator/internal/kinds/profile"
	"github.com/azgallery/gallery-operator/internal/kinds/profileversion"
	"github.com/azgallery/gallery-operator/internal/kinds/version"
	"github.com/azgallery/gallery-operator/internal/reconcile"
)

// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleries;galleryimages;galleryimageversions,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleries/status;galleryimages/status;galleryimageversions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleries/finalizers;galleryimages/finalizers;galleryimageversions/finalizers,verbs=update
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryapplications;galleryapplicationversions,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryapplications/status;galleryapplicationversions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryapplications/finalizers;galleryapplicationversions/finalizers,verbs=update
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryinvmaccesscontrolprofiles;galleryinvmaccesscontrolprofileversions,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryinvmaccesscontrolprofiles/status;galleryinvmaccesscontrolprofileversions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=compute.azgallery.io,resources=galleryinvmaccesscontrolprofiles/finalizers;galleryinvmaccesscontrolprofileversions/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Setup registers the controller of every kind with the manager, with the shared options and
// Azure connector.
func Setup(mgr ctrl.Manager, azure reconcile.Connector, opts reconcile.Options) error {
	if err := reconcile.Register(mgr, newReconciler(mgr, azure, opts, gallery.Kind{})); err != nil {
		return fmt.Errorf("setting up the Gallery controller: %w", err)
	}
	if err := reconcile.Register(mgr, newReconciler(mgr, azure, opts, image.Kind{})); err != nil {
		return fmt.Errorf("setting up the GalleryImage controller: %w", err)
	}
	if err := reconcile.Register(mgr, newReconciler(mgr, azure, opts, version.Kind{})); err != nil {
		return fmt.Errorf("setting up the GalleryImageVersion controller: %w", err)
	}
	if err := reconcile.Register(mgr, newReconciler(mgr, azure, opts, application.Kind{})); err != nil {
		return fmt.Errorf("setting up the GalleryApplication controller: %w", err)
	}
	if err := reconcile.Register(mgr, newReconciler(mgr, azure, opts, appversion.Kind{})); err != nil {
		return fmt.Errorf("setting up the GalleryApplicationVersion controller: %w", err)
	}
	if err := reconcile.Register(mgr, newReconciler(mgr, azure, opts, profile.Kind{})); err != nil {
		return fmt.Errorf("setting up the GalleryInVMAccessControlProfile controller: %w", err)
	}
	if err := reconcile.Register(mgr, newReconciler(mgr, azure, opts, profileversion.Kind{})); err != nil {
		return fmt.Errorf("setting up the GalleryInVMAccessControlProfileVersion controller: %w", err)
	}
	return nil
}

// newReconciler builds the core's reconciler for one kind.
func newReconciler[O reconcile.Object, B any](mgr ctrl.Manager, azure reconcile.Connector, opts reconcile.Options, kind reconcile.Kind[O, B]) *reconcile.Reconciler[O, B] {
	return &reconcile.Reconciler[O, B]{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder(strings.ToLower(reconcile.KindOf[O](mgr.GetScheme())) + "-controller"),
		Azure:     azure,
		Kind:      kind,
		Observer:  &reconcile.Observer[B]{Lists: true}, // its periods are the options'
		Options:   opts,
	}
}
