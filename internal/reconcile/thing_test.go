package reconcile

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	v1alpha1 "github.com/azgallery/gallery-operator/api/v1alpha1"
)

// thing is the API object of the tests' fake kind: the core needs nothing of an object but its
// metadata and the shared ARM status.
type thing struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              thingSpec   `json:"spec,omitempty"`
	Status            thingStatus `json:"status,omitempty"`
}

type thingSpec struct {
	Description      string                    `json:"description,omitempty"`
	DeletionPolicy   v1alpha1.DeletionPolicy   `json:"deletionPolicy,omitempty"`
	ManagementPolicy v1alpha1.ManagementPolicy `json:"managementPolicy,omitempty"`
}

type thingStatus struct {
	v1alpha1.ARMStatus `json:",inline"`
}

func (t *thing) GetARMStatus() *v1alpha1.ARMStatus { return &t.Status.ARMStatus }

func (t *thing) GetManagementPolicy() v1alpha1.ManagementPolicy { return t.Spec.ManagementPolicy }

func (t *thing) DeepCopy() *thing {
	out := &thing{TypeMeta: t.TypeMeta, Spec: t.Spec}
	t.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	t.Status.ARMStatus.DeepCopyInto(&out.Status.ARMStatus)
	return out
}

func (t *thing) DeepCopyObject() runtime.Object { return t.DeepCopy() }

// thingList is a list of things, for the fake API client's scheme.
type thingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []thing `json:"items"`
}

func (l *thingList) DeepCopyObject() runtime.Object {
	out := &thingList{TypeMeta: l.TypeMeta}
	l.ListMeta.DeepCopyInto(&out.ListMeta)
	for i := range l.Items {
		out.Items = append(out.Items, *l.Items[i].DeepCopy())
	}
	return out
}

// thingScheme knows things.
func thingScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	groupVersion := schema.GroupVersion{Group: "example.fake", Version: "v1"}
	s.AddKnownTypeWithName(groupVersion.WithKind("Thing"), &thing{})
	s.AddKnownTypeWithName(groupVersion.WithKind("ThingList"), &thingList{})
	metav1.AddToGroupVersion(s, groupVersion)
	return s
}
