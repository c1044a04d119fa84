package azurespec

import (
	"encoding/json"
	"fmt"

	"github.com/go-openapi/spec"
)

// Strict returns a copy of an expanded schema in which a field the schema does not declare fails
// validation. Swagger 2.0 allows additional properties unless a schema says otherwise, so:
//
//   - allOf is merged into its parent (properties, required, type), because each allOf member would
//     otherwise have to accept the properties the others declare;
//   - every object schema that declares properties but says nothing about additionalProperties gets
//     additionalProperties: false. Schemas that declare additionalProperties (maps such as tags)
//     and free-form objects without properties keep their meaning.
//
// The validation itself is go-openapi's.
func Strict(s *spec.Schema) (*spec.Schema, error) {
	out, err := deepCopy(s)
	if err != nil {
		return nil, err
	}
	flattenAllOf(out)
	closeObjects(out)
	return out, nil
}

// Extensible returns a copy of an expanded schema whose extensible enums are open: Azure's
// x-ms-enum with modelAsString: true lists the values known when the spec was written, and the
// service may answer others. Responses are validated with it; requests keep the closed lists.
func Extensible(s *spec.Schema) (*spec.Schema, error) {
	out, err := deepCopy(s)
	if err != nil {
		return nil, err
	}
	openEnums(out)
	return out, nil
}

// deepCopy copies a schema through JSON.
func deepCopy(s *spec.Schema) (*spec.Schema, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("copying a schema: %w", err)
	}
	out := &spec.Schema{}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, fmt.Errorf("copying a schema: %w", err)
	}
	return out, nil
}

// openEnums drops the enum of every schema whose x-ms-enum has modelAsString: true.
func openEnums(s *spec.Schema) {
	if x, ok := s.Extensions["x-ms-enum"].(map[string]any); ok && x["modelAsString"] == true {
		s.Enum = nil
	}
	eachChild(s, openEnums)
}

// flattenAllOf merges the allOf members of s and of every schema below it into their parents.
func flattenAllOf(s *spec.Schema) {
	members := s.AllOf
	s.AllOf = nil
	for i := range members {
		m := &members[i]
		flattenAllOf(m)
		for name, p := range m.Properties {
			if _, ok := s.Properties[name]; !ok {
				if s.Properties == nil {
					s.Properties = spec.SchemaProperties{}
				}
				s.Properties[name] = p
			}
		}
		s.Required = append(s.Required, m.Required...)
		if len(s.Type) == 0 {
			s.Type = m.Type
		}
		if s.AdditionalProperties == nil {
			s.AdditionalProperties = m.AdditionalProperties
		}
	}
	eachChild(s, flattenAllOf)
}

// closeObjects sets additionalProperties: false on every object schema with declared properties
// that does not declare additionalProperties.
func closeObjects(s *spec.Schema) {
	if s.AdditionalProperties == nil && len(s.Properties) > 0 && (len(s.Type) == 0 || s.Type.Contains("object")) {
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: false}
	}
	eachChild(s, closeObjects)
}

// eachChild applies fn to the allOf, property, item and additionalProperties schemas of s.
func eachChild(s *spec.Schema, fn func(*spec.Schema)) {
	for i := range s.AllOf {
		fn(&s.AllOf[i])
	}
	for name, p := range s.Properties {
		fn(&p)
		s.Properties[name] = p
	}
	if s.Items != nil {
		if s.Items.Schema != nil {
			fn(s.Items.Schema)
		}
		for i := range s.Items.Schemas {
			fn(&s.Items.Schemas[i])
		}
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		fn(s.AdditionalProperties.Schema)
	}
}
