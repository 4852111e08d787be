package shape

import (
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestTimeMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"whole seconds", time.Unix(1700000000, 0), "1700000000"},
		{"milliseconds", time.Unix(1700000000, 123e6), "1700000000.123"},
		{"trailing zeros trimmed", time.Unix(1700000000, 500e6), "1700000000.5"},
		{"leading zero kept", time.Unix(1700000000, 7e6), "1700000000.007"},
		{"sub-millisecond dropped", time.Unix(1700000000, 123999999), "1700000000.123"},
		{"epoch", time.Unix(0, 0), "0"},
		{"before epoch", time.Unix(-2, 500e6), "-1.5"},
		{"zone ignored", time.Unix(1700000000, 0).In(time.FixedZone("x", 3600)), "1700000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(Time{tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestTimeUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{`1700000000`, time.Unix(1700000000, 0)},
		{`1700000000.123`, time.Unix(1700000000, 123e6)},
		{`1.700000000123E9`, time.Unix(1700000000, 123e6)},
		{`1.7e9`, time.Unix(1700000000, 0)},
		{`1700000000.123456789`, time.Unix(1700000000, 123456789)},
		{`-1.5`, time.Unix(-2, 500e6)},
		{`"2023-11-14T22:13:20Z"`, time.Unix(1700000000, 0)},
		{`"2023-11-14T22:13:20.123Z"`, time.Unix(1700000000, 123e6)},
		{`"2023-11-14T23:13:20.123+01:00"`, time.Unix(1700000000, 123e6)},
		{`"2023-11-14T22:13:20+0000"`, time.Unix(1700000000, 0)},
		{`"2023-11-14T22:13:20"`, time.Unix(1700000000, 0)},
		{`"20231114T221320Z"`, time.Unix(1700000000, 0)},
		{`"Tue, 14 Nov 2023 22:13:20 GMT"`, time.Unix(1700000000, 0)},
		{`"1700000000.5"`, time.Unix(1700000000, 500e6)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got Time
			if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got.Time, tt.want.UTC())
			}
			if got.Location() != time.UTC {
				t.Errorf("location %v, want UTC", got.Location())
			}
		})
	}
}

func TestTimeUnmarshalJSONErrors(t *testing.T) {
	for _, in := range []string{`"yesterday"`, `""`, `true`, `{}`, `"0x10"`, `1e999999999`, `"1/2"`} {
		t.Run(in, func(t *testing.T) {
			var got Time
			if err := json.Unmarshal([]byte(in), &got); err == nil {
				t.Errorf("decoded %s as %v, want an error", in, got.Time)
			}
		})
	}
}

func TestTimeUnmarshalJSONNull(t *testing.T) {
	got := Time{time.Unix(5, 0)}
	if err := json.Unmarshal([]byte(`null`), &got); err != nil {
		t.Fatal(err)
	}
	if !got.Equal(time.Unix(5, 0)) {
		t.Errorf("null changed the value to %v", got.Time)
	}
	var p *Time
	if err := json.Unmarshal([]byte(`null`), &p); err != nil || p != nil {
		t.Errorf("null into *Time: %v, %v", p, err)
	}
}

func TestTimeText(t *testing.T) {
	in := Time{time.Date(2023, 11, 14, 23, 13, 20, 7e6, time.FixedZone("x", 3600))}
	got, err := in.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if want := "2023-11-14T22:13:20.007Z"; string(got) != want {
		t.Errorf("MarshalText = %s, want %s", got, want)
	}
	app, _ := in.AppendText([]byte("x="))
	if string(app) != "x=2023-11-14T22:13:20.007Z" {
		t.Errorf("AppendText = %s", app)
	}
	var back Time
	if err := back.UnmarshalText(got); err != nil {
		t.Fatal(err)
	}
	if !back.Equal(in.Time) {
		t.Errorf("round trip: %v, want %v", back.Time, in.Time)
	}
	if err := back.UnmarshalText(nil); err == nil {
		t.Error("empty text decoded without error")
	}
}

func TestTimeXML(t *testing.T) {
	type result struct {
		XMLName    xml.Name `xml:"Credentials"`
		Expiration *Time    `xml:"Expiration"`
	}
	b, err := xml.Marshal(result{Expiration: NewTime(time.Unix(1700000000, 0))})
	if err != nil {
		t.Fatal(err)
	}
	want := "<Credentials><Expiration>2023-11-14T22:13:20.000Z</Expiration></Credentials>"
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	var back result
	if err := xml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Expiration == nil || !back.Expiration.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("round trip: %v", back.Expiration)
	}
}

func TestNewTimeTruncates(t *testing.T) {
	in := time.Date(2023, 11, 14, 22, 13, 20, 123456789, time.FixedZone("x", -7200))
	got := NewTime(in)
	if got.Nanosecond() != 123e6 || got.Location() != time.UTC || !got.Equal(in.Truncate(time.Millisecond)) {
		t.Errorf("NewTime(%v) = %v", in, got.Time)
	}
	b, _ := json.Marshal(got)
	var back Time
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != *got {
		t.Errorf("round trip changed the value: %v != %v", back.Time, got.Time)
	}

	now := Now()
	if now.Nanosecond()%1e6 != 0 || now.Location() != time.UTC {
		t.Errorf("Now() = %v, want UTC milliseconds", now.Time)
	}
	if d := time.Since(now.Time); d < 0 || d > time.Minute {
		t.Errorf("Now() is %v away from the clock", d)
	}
}

// Generated types carry timestamps as *Time with omitzero.
func TestTimeInStruct(t *testing.T) {
	type task struct {
		CreatedAt *Time  `json:"createdAt,omitzero"`
		StoppedAt *Time  `json:"stoppedAt,omitzero"`
		Times     []Time `json:"times,omitzero"`
	}
	in := task{CreatedAt: NewTime(time.Unix(1700000000, 250e6)), Times: []Time{{time.Unix(1, 0)}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"createdAt":1700000000.25,"times":[1]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	var back task
	if err := json.Unmarshal([]byte(`{"createdAt":"2023-11-14T22:13:20.250Z","stoppedAt":null}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.StoppedAt != nil || back.CreatedAt == nil || !back.CreatedAt.Equal(in.CreatedAt.Time) {
		t.Errorf("decoded %+v", back)
	}
}

func TestIsDecimal(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "-1": true, "1.5": true, "1e9": true, "1.5E+09": true, "1e-3": true,
		"": false, "-": false, "1.": false, ".5": false, "1e": false, "+1": false, "0x1": false,
		"1 ": false, strings.Repeat("9", 3): true,
	} {
		if got := isDecimal(s); got != want {
			t.Errorf("isDecimal(%q) = %v, want %v", s, got, want)
		}
	}
}
