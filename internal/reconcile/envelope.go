package reconcile

import (
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// envelope reads what every ARM resource body carries, whatever its type: its id and its
// properties.provisioningState. The Azure SDK's bodies name them ID (*string) and
// Properties.ProvisioningState (a pointer to a string type); a body without an ID or
// Properties is a programming error, found when the envelope is made (at registration). A body
// whose properties have no provisioningState is a resource Azure writes at once (an application
// definition, say): its state always reads "".
type envelope[B any] struct {
	id, state []int // field index paths; state nil when the body has none
}

// newEnvelope finds B's id and provisioningState fields.
func newEnvelope[B any]() (envelope[B], error) {
	t := reflect.TypeFor[B]()
	var e envelope[B]
	id, ok := t.FieldByName("ID")
	if !ok || id.Type != reflect.TypeFor[*string]() {
		return e, fmt.Errorf("%s is not an ARM resource body: it has no ID *string", t)
	}
	props, ok := t.FieldByName("Properties")
	if !ok || props.Type.Kind() != reflect.Pointer || props.Type.Elem().Kind() != reflect.Struct {
		return e, fmt.Errorf("%s is not an ARM resource body: it has no Properties struct pointer", t)
	}
	e.id = id.Index
	state, ok := props.Type.Elem().FieldByName("ProvisioningState")
	if !ok {
		return e, nil
	}
	if state.Type.Kind() != reflect.Pointer || state.Type.Elem().Kind() != reflect.String {
		return e, fmt.Errorf("%s is not an ARM resource body: its Properties' ProvisioningState is not a string pointer", t)
	}
	e.state = append(append([]int{}, props.Index...), state.Index...)
	return e, nil
}

// HasState reports whether the body type carries a provisioningState.
func (e envelope[B]) HasState() bool { return e.state != nil }

// ID is the resource's ARM ID as Azure answered it; "" when absent.
func (e envelope[B]) ID(b *B) string { return e.str(b, e.id) }

// ProvisioningState is Azure's properties.provisioningState; "" when absent.
func (e envelope[B]) ProvisioningState(b *B) string { return e.str(b, e.state) }

func (e envelope[B]) str(b *B, path []int) string {
	if b == nil || path == nil {
		return ""
	}
	v, err := reflect.ValueOf(b).Elem().FieldByIndexErr(path)
	if err != nil || v.IsNil() { // a nil Properties, or a nil field
		return ""
	}
	return v.Elem().String()
}

// KindOf is the API kind of the object type O as scheme registers it; the type's Go name
// when the scheme does not know it.
func KindOf[O Object](scheme *runtime.Scheme) string {
	if scheme != nil {
		if gvk, err := apiutil.GVKForObject(newObject[O](), scheme); err == nil {
			return gvk.Kind
		}
	}
	return reflect.TypeFor[O]().Elem().Name()
}

// newObject returns an empty object of the pointer type O.
func newObject[O Object]() O {
	return reflect.New(reflect.TypeFor[O]().Elem()).Interface().(O)
}
