package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Model is the part of a botocore service-2.json that awsgen reads.
// Documentation strings are ignored.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is the model's service metadata.
type Metadata struct {
	APIVersion     string `json:"apiVersion"`
	EndpointPrefix string `json:"endpointPrefix"`
	JSONVersion    string `json:"jsonVersion"`
	Protocol       string `json:"protocol"`
	ServiceID      string `json:"serviceId"`
	SigningName    string `json:"signingName"`
	TargetPrefix   string `json:"targetPrefix"`
	XMLNamespace   string `json:"xmlNamespace"`
}

// Operation is one API operation.
type Operation struct {
	Name   string     `json:"name"`
	Input  *ShapeRef  `json:"input"`
	Output *ShapeRef  `json:"output"`
	Errors []ShapeRef `json:"errors"`
}

// Traits are the serialization traits that may sit on a shape or on a
// reference to it. As in botocore, a reference's traits override those of
// the shape it names (see Model.traits).
type Traits struct {
	LocationName     string `json:"locationName"`
	QueryName        string `json:"queryName"`
	Location         string `json:"location"`
	TimestampFormat  string `json:"timestampFormat"`
	Flattened        bool   `json:"flattened"`
	XMLAttribute     bool   `json:"xmlAttribute"`
	Box              bool   `json:"box"`
	IdempotencyToken bool   `json:"idempotencyToken"`
}

// overlay returns t with every trait that o sets replaced by o's.
func (t Traits) overlay(o Traits) Traits {
	if o.LocationName != "" {
		t.LocationName = o.LocationName
	}
	if o.QueryName != "" {
		t.QueryName = o.QueryName
	}
	if o.Location != "" {
		t.Location = o.Location
	}
	if o.TimestampFormat != "" {
		t.TimestampFormat = o.TimestampFormat
	}
	t.Flattened = t.Flattened || o.Flattened
	t.XMLAttribute = t.XMLAttribute || o.XMLAttribute
	t.Box = t.Box || o.Box
	t.IdempotencyToken = t.IdempotencyToken || o.IdempotencyToken
	return t
}

// ShapeRef is a reference to a shape: a structure member, a list member, a
// map key or value, or an operation's input or output.
type ShapeRef struct {
	Shape         string `json:"shape"`
	ResultWrapper string `json:"resultWrapper"` // operation outputs only
	Traits
}

// Shape is one named shape of the model.
type Shape struct {
	Name string `json:"-"` // the key in Model.Shapes
	Type string `json:"type"`

	Members  Members  `json:"members"`  // structure
	Required []string `json:"required"` // structure
	Member   ShapeRef `json:"member"`   // list
	Key      ShapeRef `json:"key"`      // map
	Value    ShapeRef `json:"value"`    // map
	Enum     []string `json:"enum"`     // string

	Exception bool       `json:"exception"`
	Fault     bool       `json:"fault"`
	Error     *ErrorInfo `json:"error"`
	Document  bool       `json:"document"`
	Union     bool       `json:"union"`

	Traits
}

// ErrorInfo is an error shape's "error" object (query protocols mostly).
type ErrorInfo struct {
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	SenderFault    bool   `json:"senderFault"`
}

// Member is one structure member, in model order.
type Member struct {
	Name string
	Ref  ShapeRef
}

// Members keeps a structure's members in the order the model lists them,
// which a plain map would lose.
type Members []Member

// UnmarshalJSON decodes a JSON object into members in document order.
func (ms *Members) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("members: want an object, got %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string) // object keys are always strings
		var ref ShapeRef
		if err := dec.Decode(&ref); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*ms = append(*ms, Member{Name: name, Ref: ref})
	}
	_, err = dec.Token() // the closing brace
	return err
}

// LoadModel reads a botocore model from path, gzipped or plain JSON, and
// checks that every shape reference resolves.
func LoadModel(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := ReadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ReadModel decodes a botocore model, gunzipping it first when it starts
// with the gzip magic number.
func ReadModel(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if b, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("gunzip: %w", err)
		}
	}
	var m Model
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for name, s := range m.Shapes {
		s.Name = name
	}
	for name, op := range m.Operations {
		if op.Name == "" {
			op.Name = name
		}
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

// check reports the first dangling shape reference, in no particular order.
func (m *Model) check() error {
	exists := func(where string, ref *ShapeRef) error {
		if ref == nil || ref.Shape == "" {
			return fmt.Errorf("%s: missing shape reference", where)
		}
		if m.Shapes[ref.Shape] == nil {
			return fmt.Errorf("%s: unknown shape %q", where, ref.Shape)
		}
		return nil
	}
	for name, op := range m.Operations {
		for _, ref := range []*ShapeRef{op.Input, op.Output} {
			if ref != nil {
				if err := exists("operation "+name, ref); err != nil {
					return err
				}
			}
		}
		for i := range op.Errors {
			if err := exists("operation "+name+" errors", &op.Errors[i]); err != nil {
				return err
			}
		}
	}
	for name, s := range m.Shapes {
		var err error
		switch s.Type {
		case "structure":
			for i := range s.Members {
				if err = exists(name+"."+s.Members[i].Name, &s.Members[i].Ref); err != nil {
					break
				}
			}
		case "list":
			err = exists(name+" member", &s.Member)
		case "map":
			if err = exists(name+" key", &s.Key); err == nil {
				err = exists(name+" value", &s.Value)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// traits returns the effective serialization traits of a reference: the
// referenced shape's own traits overlaid by the reference's.
func (m *Model) traits(ref ShapeRef) Traits {
	return m.Shapes[ref.Shape].Traits.overlay(ref.Traits)
}
