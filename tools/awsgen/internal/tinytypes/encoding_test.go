package tinytypes

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/shape"
)

// The zero value encodes only the non-boxed scalars, which AWS always sends.
func TestZeroValueEncoding(t *testing.T) {
	b, err := json.Marshal(CreateWidgetRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"size":0,"total":0,"weight":0,"enabled":false}`; string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(Widget{})
	if want := `{"cpu":0}`; string(b) != want {
		t.Errorf("Widget{}: got %s, want %s", b, want)
	}
}

func TestSetValuesEncoding(t *testing.T) {
	w := Widget{
		Id:           "w-1",
		Cpu:          256,
		Memory:       new(int32(0)), // boxed: set to zero is still sent
		Essential:    new(true),
		Environment:  []Tag{}, // empty but set: sent as []
		RegisteredAt: shape.NewTime(time.Unix(1700000000, 123456789)),
	}
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"w-1","cpu":256,"memory":0,"essential":true,"environment":[],"registeredAt":1700000000.123}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}

func TestDecodeRequest(t *testing.T) {
	in := `{
		"name": "n", "size": 3, "count": 0, "color": "dark-blue",
		"tags": [{"key": "k", "value": "v"}], "labels": {"a": "b"},
		"createdAt": 1700000000.5, "data": "aGk=", "details": {"free": ["form", 1]},
		"widget": {"id": "w"}, "Id": ["i-1"], "choice": {"number": 0}
	}`
	var req CreateWidgetRequest
	if err := json.Unmarshal([]byte(in), &req); err != nil {
		t.Fatal(err)
	}
	if req.Name != "n" || req.Size != 3 || req.Count == nil || *req.Count != 0 || req.Ratio != nil {
		t.Errorf("scalars: %+v", req)
	}
	if req.Color != ColorDarkBlue || len(req.Tags) != 1 || req.Tags[0].Value != "v" || req.Labels["a"] != "b" {
		t.Errorf("enum, list, map: %+v", req)
	}
	if req.CreatedAt == nil || !req.CreatedAt.Equal(time.Unix(1700000000, 5e8)) || string(req.Data) != "hi" {
		t.Errorf("timestamp, blob: %v %q", req.CreatedAt, req.Data)
	}
	if string(req.Details) != `{"free": ["form", 1]}` {
		t.Errorf("document kept verbatim: %s", req.Details)
	}
	if req.Widget == nil || req.Widget.Id != "w" || !slices.Equal(req.Ids, []string{"i-1"}) {
		t.Errorf("nested, locationName: %+v %v", req.Widget, req.Ids)
	}
	if req.Choice == nil || req.Choice.Number == nil || *req.Choice.Number != 0 {
		t.Errorf("union: %+v", req.Choice)
	}
}

func TestRecursiveShapeRoundTrip(t *testing.T) {
	in := Node{
		Value:    "root",
		Next:     &Node{Value: "sibling"},
		Children: []Node{{Value: "child", Children: []Node{{Value: "grandchild"}}}},
		ByName:   map[string]Node{"x": {Value: "x"}},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"value":"root","next":{"value":"sibling"},"children":[{"value":"child","children":[{"value":"grandchild"}]}],"byName":{"x":{"value":"x"}}}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
	var back Node
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Children[0].Children[0].Value != "grandchild" || back.Next.Value != "sibling" {
		t.Errorf("round trip: %+v", back)
	}
}

func TestGeneratedTables(t *testing.T) {
	if !slices.Equal(CreateWidgetRequestRequired, []string{"name", "size", "widget"}) || !slices.Equal(TagRequired, []string{"key"}) {
		t.Errorf("required lists: %v %v", CreateWidgetRequestRequired, TagRequired)
	}
	wantColors := []string{"RED", "dark-blue", "FARGATE_SPOT", "dualStackIPv6", "t2.micro", "2xlarge", "*", "red"}
	if !slices.Equal(ColorEnumValues, wantColors) || ColorFargateSpot != "FARGATE_SPOT" || ColorValue6 != "*" {
		t.Errorf("enum: %v", ColorEnumValues)
	}
	if ErrWidgetNotFoundException != "WidgetNotFound" || ErrorStatus[ErrWidgetNotFoundException] != 404 ||
		ErrorStatus[ErrServerFault] != 500 || ErrorStatus[ErrGoneException] != 400 {
		t.Errorf("errors: %v", ErrorStatus)
	}
	if TargetPrefix != "Tiny_20200101" || SigningName != "tinysign" || Protocol != "json" || JSONVersion != "1.1" {
		t.Error("service metadata")
	}
	if len(Operations) != 3 || Operations[1].Name != "ListNodes" || Operations[1].ResultWrapper != "ListNodesResult" ||
		!slices.Equal(Operations[0].Errors, []string{"WidgetNotFound", "ServerFault"}) {
		t.Errorf("operations: %+v", Operations)
	}
}
