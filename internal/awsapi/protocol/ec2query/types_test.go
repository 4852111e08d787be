package ec2query

import "github.com/berth-dev/berth/internal/awsapi/shape"

// Hand-written shapes exercising the naming rules, tagged as awsgen tags
// ec2types.

type namingInput struct {
	Plain      string            `json:"Plain,omitzero"`                  // member name, no locationName
	Located    string            `json:"located,omitzero"`                // locationName → Located
	Queried    string            `json:"queried,omitzero" queryName:"QN"` // queryName wins
	Renamed    string            `json:"-" wireName:"renamed"`            // json key taken by another member
	Count      *int32            `json:"Count,omitzero"`
	Enabled    *bool             `json:"enabled,omitzero"`
	Size       int64             `json:"Size"`
	Ratio      float64           `json:"Ratio"`
	Ids        []string          `json:"Id,omitzero" locationName:"Id"`
	Nested     *nested           `json:"nested,omitzero"`
	Nesteds    []nested          `json:"NestedSet,omitzero" locationName:"item"`
	Matrix     [][]int           `json:"Matrix,omitzero"`
	When       *shape.Time       `json:"when,omitzero"`
	Attributes map[string]string `json:"Attributes,omitzero"`
	Ignored    string            `json:"-"`
}

type nested struct {
	Name   string   `json:"name,omitzero"`
	Values []string `json:"Value,omitzero" locationName:"item"`
}

type outputShape struct {
	Flag     bool              `json:"flag"`
	Count    int32             `json:"count"`
	Name     string            `json:"name,omitzero"`
	Boxed    *int32            `json:"boxed,omitzero"`
	Items    []nested          `json:"itemSet,omitzero" locationName:"item"`
	Flat     []string          `json:"Flat,omitzero" locationName:"flatItem" flattened:"true"`
	Unnamed  []string          `json:"unnamed,omitzero"`
	When     *shape.Time       `json:"when,omitzero"`
	Data     []byte            `json:"data,omitzero"`
	Labels   map[string]string `json:"labels,omitzero"`
	Nested   *nested           `json:"nested,omitzero"`
	Absent   *nested           `json:"absent,omitzero"`
	Ratio    float64           `json:"ratio"`
	internal int
}
