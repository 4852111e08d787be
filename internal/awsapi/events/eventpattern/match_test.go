package eventpattern

import (
	"errors"
	"testing"
)

func TestExactValues(t *testing.T) {
	runMatches(t, []matchCase{
		{"string", `{"source":["aws.ec2"]}`, `{"source":"aws.ec2"}`, true},
		{"string differs", `{"source":["aws.ec2"]}`, `{"source":"aws.ecs"}`, false},
		{"string is case sensitive", `{"source":["aws.ec2"]}`, `{"source":"AWS.EC2"}`, false},
		{"missing field", `{"source":["aws.ec2"]}`, `{"detail-type":"x"}`, false},
		{"any of the array", `{"source":["a","b","c"]}`, `{"source":"b"}`, true},
		{"number", `{"n":[5]}`, `{"n":5}`, true},
		{"number other spelling", `{"n":[5]}`, `{"n":5.0}`, true},
		{"1e2 is 100", `{"n":[1e2]}`, `{"n":100}`, true},
		{"100 is 1e2", `{"n":[100]}`, `{"n":1E+2}`, true},
		{"number is not string", `{"n":[5]}`, `{"n":"5"}`, false},
		{"string is not number", `{"n":["5"]}`, `{"n":5}`, false},
		{"negative zero", `{"n":[0]}`, `{"n":-0.0}`, true},
		{"decimal", `{"n":[301.8]}`, `{"n":3.018e2}`, true},
		{"decimal differs", `{"n":[301.8]}`, `{"n":301.81}`, false},
		{"beyond range exact", `{"account":[123456789012]}`, `{"account":123456789012}`, true},
		{"beyond range differs", `{"account":[123456789012]}`, `{"account":123456789013}`, false},
		{"true", `{"b":[true]}`, `{"b":true}`, true},
		{"true is not string", `{"b":[true]}`, `{"b":"true"}`, false},
		{"false", `{"b":[false]}`, `{"b":false}`, true},
		{"false is not true", `{"b":[false]}`, `{"b":true}`, false},
		{"null", `{"x":[null]}`, `{"x":null}`, true},
		{"null is not empty string", `{"x":[null]}`, `{"x":""}`, false},
		{"empty string", `{"x":[""]}`, `{"x":""}`, true},
		{"empty string is not null", `{"x":[""]}`, `{"x":null}`, false},
		{"null is not missing", `{"x":[null]}`, `{"y":1}`, false},
		{"ip address", `{"ip":["10.0.0.1"]}`, `{"ip":"10.0.0.1"}`, true},
		{"ipv6 other spelling", `{"ip":["2001:db8::1"]}`, `{"ip":"2001:0db8:0:0:0:0:0:1"}`, true},
		{"ip differs", `{"ip":["10.0.0.1"]}`, `{"ip":"10.0.0.2"}`, false},
		{"unicode", `{"s":["h\u00e9llo"]}`, `{"s":"héllo"}`, true},
		{"escaped quote", `{"s":["a\"b"]}`, `{"s":"a\"b"}`, true},
	})
}

func TestArraysAndNesting(t *testing.T) {
	runMatches(t, []matchCase{
		{"event array intersects", `{"resources":["r1","r2"]}`, `{"resources":["r0","r2"]}`, true},
		{"event array disjoint", `{"resources":["r1","r2"]}`, `{"resources":["r0","r3"]}`, false},
		{"empty event array", `{"resources":["r1"]}`, `{"resources":[]}`, false},
		{"nested arrays flattened", `{"a":["x"]}`, `{"a":[["y"],["x"]]}`, true},
		{"nested object", `{"detail":{"state":["running"]}}`, `{"detail":{"state":"running"}}`, true},
		{"nested object differs", `{"detail":{"state":["running"]}}`, `{"detail":{"state":"stopped"}}`, false},
		{"object where leaf expected", `{"detail":["x"]}`, `{"detail":{"a":"x"}}`, false},
		{"leaf where object expected", `{"detail":{"a":["x"]}}`, `{"detail":"x"}`, false},
		{"every field must match", `{"a":["1"],"b":["2"]}`, `{"a":"1","b":"3"}`, false},
		{"all fields match", `{"a":["1"],"b":["2"]}`, `{"a":"1","b":"2","c":"3"}`, true},
		{"array of objects", `{"employees":{"first":["Anna"]}}`,
			`{"employees":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]}`, true},
		{"array consistency same element", `{"employees":{"first":["Anna"],"last":["Smith"]}}`,
			`{"employees":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]}`, true},
		{"array consistency across elements", `{"employees":{"first":["Anna"],"last":["Doe"]}}`,
			`{"employees":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]}`, false},
		{"array consistency nested arrays", `{"e":{"first":["Peter"],"last":["Jones"]}}`,
			`{"e":[[{"first":"John","last":"Doe"}],[{"first":"Peter","last":"Jones"}]]}`, true},
		{"array consistency two levels", `{"a":{"b":{"c":["1"],"d":["2"]}}}`,
			`{"a":[{"b":[{"c":"1"},{"d":"2"}]}]}`, false},
		{"array consistency two levels ok", `{"a":{"b":{"c":["1"],"d":["2"]}}}`,
			`{"a":[{"b":[{"c":"1"}]},{"b":[{"c":"1","d":"2"}]}]}`, true},
		{"duplicate name: later array wins", `{"a":["x"],"a":["y"]}`, `{"a":"y"}`, true},
		{"duplicate name: earlier array dropped", `{"a":["x"],"a":["y"]}`, `{"a":"x"}`, false},
		{"duplicate name: objects merge", `{"d":{"a":["1"]},"d":{"b":["2"]}}`, `{"d":{"a":"1","b":"2"}}`, true},
		{"duplicate name: merged objects both apply", `{"d":{"a":["1"]},"d":{"b":["2"]}}`, `{"d":{"a":"1","b":"3"}}`, false},
		{"dotted key is a plain key", `{"a.b":["x"]}`, `{"a.b":"x"}`, true},
		{"dotted key is not a path", `{"a.b":["x"]}`, `{"a":{"b":"x"}}`, false},
	})
}

func TestPrefixSuffixFold(t *testing.T) {
	runMatches(t, []matchCase{
		{"prefix", `{"time":[{"prefix":"2017-10-02"}]}`, `{"time":"2017-10-02T18:43:48Z"}`, true},
		{"prefix no", `{"time":[{"prefix":"2017-10-02"}]}`, `{"time":"2017-10-03T18:43:48Z"}`, false},
		{"prefix empty matches any string", `{"s":[{"prefix":""}]}`, `{"s":"x"}`, true},
		{"prefix not numbers", `{"n":[{"prefix":"1"}]}`, `{"n":123}`, false},
		{"prefix case sensitive", `{"s":[{"prefix":"Ev"}]}`, `{"s":"eventbridge"}`, false},
		{"prefix ignore case", `{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}`, `{"s":"EVENTBRIDGE"}`, true},
		{"prefix ignore case no", `{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}`, `{"s":"EventC"}`, false},
		{"prefix ignore case short", `{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}`, `{"s":"Even"}`, false},
		{"prefix ignore case unicode", `{"s":[{"prefix":{"equals-ignore-case":"ÉT"}}]}`, `{"s":"été"}`, true},
		{"prefix on ip text", `{"ip":[{"prefix":"10.0."}]}`, `{"ip":"10.0.3.4"}`, true},
		{"suffix", `{"f":[{"suffix":".png"}]}`, `{"f":"image.png"}`, true},
		{"suffix no", `{"f":[{"suffix":".png"}]}`, `{"f":"image.PNG"}`, false},
		{"suffix ignore case", `{"f":[{"suffix":{"equals-ignore-case":".png"}}]}`, `{"f":"image.PNG"}`, true},
		{"suffix ignore case no", `{"f":[{"suffix":{"equals-ignore-case":".png"}}]}`, `{"f":"image.jpg"}`, false},
		{"equals ignore case", `{"s":[{"equals-ignore-case":"EC2"}]}`, `{"s":"ec2"}`, true},
		{"equals ignore case no", `{"s":[{"equals-ignore-case":"EC2"}]}`, `{"s":"ec22"}`, false},
		{"equals ignore case kelvin", `{"s":[{"equals-ignore-case":"k"}]}`, `{"s":"\u212a"}`, true},
		{"equals ignore case not numbers", `{"n":[{"equals-ignore-case":"5"}]}`, `{"n":5}`, false},
	})
}

func TestWildcard(t *testing.T) {
	runMatches(t, []matchCase{
		{"suffix-like", `{"f":[{"wildcard":"*.png"}]}`, `{"f":"a.png"}`, true},
		{"contains", `{"f":[{"wildcard":"*Title*"}]}`, `{"f":"MyTitleHere"}`, true},
		{"contains no", `{"f":[{"wildcard":"*Title*"}]}`, `{"f":"MyTitlHere"}`, false},
		{"middle", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"Simple Queue Service"}`, true},
		{"middle empty run", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"SimpleService"}`, true},
		{"anchored start", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"A Simple Queue Service"}`, false},
		{"anchored end", `{"s":[{"wildcard":"Simple*Service"}]}`, `{"s":"Simple Queue Services"}`, false},
		{"no overlap of ends", `{"s":[{"wildcard":"ab*ba"}]}`, `{"s":"aba"}`, false},
		{"several stars", `{"k":[{"wildcard":"dir/*/stock/XYZ/*.csv"}]}`, `{"k":"dir/2024/stock/XYZ/a.csv"}`, true},
		{"several stars no", `{"k":[{"wildcard":"dir/*/stock/XYZ/*.csv"}]}`, `{"k":"dir/2024/stock/ABC/a.csv"}`, false},
		{"no star is exact", `{"s":[{"wildcard":"abc"}]}`, `{"s":"abc"}`, true},
		{"no star is exact no", `{"s":[{"wildcard":"abc"}]}`, `{"s":"abcd"}`, false},
		{"lone star", `{"s":[{"wildcard":"*"}]}`, `{"s":""}`, true},
		{"escaped star literal", `{"s":[{"wildcard":"a\\*b"}]}`, `{"s":"a*b"}`, true},
		{"escaped star is not a wildcard", `{"s":[{"wildcard":"a\\*b"}]}`, `{"s":"axb"}`, false},
		{"escaped backslash", `{"s":[{"wildcard":"a\\\\*"}]}`, `{"s":"a\\xyz"}`, true},
		{"strings only", `{"n":[{"wildcard":"*"}]}`, `{"n":1}`, false},
	})
}

func TestAnythingBut(t *testing.T) {
	runMatches(t, []matchCase{
		{"string", `{"state":[{"anything-but":"initializing"}]}`, `{"state":"running"}`, true},
		{"string excluded", `{"state":[{"anything-but":"initializing"}]}`, `{"state":"initializing"}`, false},
		{"missing never matches", `{"state":[{"anything-but":"initializing"}]}`, `{"other":1}`, false},
		{"number passes string", `{"state":[{"anything-but":"5"}]}`, `{"state":5}`, true},
		{"null passes string", `{"state":[{"anything-but":"x"}]}`, `{"state":null}`, true},
		{"number", `{"x":[{"anything-but":123}]}`, `{"x":124}`, true},
		{"number excluded", `{"x":[{"anything-but":123}]}`, `{"x":123.0}`, false},
		{"string passes number", `{"x":[{"anything-but":123}]}`, `{"x":"123"}`, true},
		{"string list", `{"s":[{"anything-but":["stopped","overloaded"]}]}`, `{"s":"running"}`, true},
		{"string list excluded", `{"s":[{"anything-but":["stopped","overloaded"]}]}`, `{"s":"overloaded"}`, false},
		{"number list", `{"x":[{"anything-but":[100,200,300]}]}`, `{"x":250}`, true},
		{"number list excluded", `{"x":[{"anything-but":[100,200,300]}]}`, `{"x":2e2}`, false},
		{"event array one passes", `{"s":[{"anything-but":"a"}]}`, `{"s":["a","b"]}`, true},
		{"event array none passes", `{"s":[{"anything-but":["a","b"]}]}`, `{"s":["a","b"]}`, false},
		{"prefix", `{"s":[{"anything-but":{"prefix":"init"}}]}`, `{"s":"running"}`, true},
		{"prefix excluded", `{"s":[{"anything-but":{"prefix":"init"}}]}`, `{"s":"initializing"}`, false},
		{"prefix list", `{"r":[{"anything-but":{"prefix":["us-","eu-"]}}]}`, `{"r":"ap-south-1"}`, true},
		{"prefix list excluded", `{"r":[{"anything-but":{"prefix":["us-","eu-"]}}]}`, `{"r":"eu-west-1"}`, false},
		{"prefix passes numbers", `{"r":[{"anything-but":{"prefix":"1"}}]}`, `{"r":123}`, true},
		{"suffix", `{"f":[{"anything-but":{"suffix":".png"}}]}`, `{"f":"a.jpg"}`, true},
		{"suffix excluded", `{"f":[{"anything-but":{"suffix":".png"}}]}`, `{"f":"a.png"}`, false},
		{"ignore case", `{"s":[{"anything-but":{"equals-ignore-case":"initializing"}}]}`, `{"s":"running"}`, true},
		{"ignore case excluded", `{"s":[{"anything-but":{"equals-ignore-case":"initializing"}}]}`, `{"s":"INITIALIZING"}`, false},
		{"ignore case list excluded", `{"s":[{"anything-but":{"equals-ignore-case":["a","B"]}}]}`, `{"s":"b"}`, false},
		{"wildcard", `{"p":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"p":"/usr/bin/x"}`, true},
		{"wildcard excluded", `{"p":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"p":"/usr/lib/x"}`, false},
		{"wildcard list excluded", `{"p":[{"anything-but":{"wildcard":["*.a","*.b"]}}]}`, `{"p":"x.b"}`, false},
		{"or with exact", `{"s":[{"anything-but":"x"},"x"]}`, `{"s":"x"}`, true},
	})
}

func TestNumeric(t *testing.T) {
	runMatches(t, []matchCase{
		{"range inside", `{"c":[{"numeric":[">",0,"<=",5]}]}`, `{"c":5}`, true},
		{"range open bottom", `{"c":[{"numeric":[">",0,"<=",5]}]}`, `{"c":0}`, false},
		{"range above", `{"c":[{"numeric":[">",0,"<=",5]}]}`, `{"c":5.000001}`, false},
		{"range closed bottom", `{"c":[{"numeric":[">=",0,"<",5]}]}`, `{"c":0}`, true},
		{"range open top", `{"c":[{"numeric":[">=",0,"<",5]}]}`, `{"c":5}`, false},
		{"less than", `{"d":[{"numeric":["<",10]}]}`, `{"d":9.999999}`, true},
		{"less than no", `{"d":[{"numeric":["<",10]}]}`, `{"d":10}`, false},
		{"less or equal", `{"d":[{"numeric":["<=",10]}]}`, `{"d":1e1}`, true},
		{"greater", `{"d":[{"numeric":[">",-10]}]}`, `{"d":-9.5}`, true},
		{"greater or equal", `{"d":[{"numeric":[">=",-10]}]}`, `{"d":-10}`, true},
		{"equals", `{"x":[{"numeric":["=",3.018e2]}]}`, `{"x":301.8}`, true},
		{"equals no", `{"x":[{"numeric":["=",3.018e2]}]}`, `{"x":301.9}`, false},
		{"six decimals", `{"x":[{"numeric":["=",0.3]}]}`, `{"x":0.300000}`, true},
		{"rounded to six decimals", `{"x":[{"numeric":["=",0.1]}]}`, `{"x":0.1000001}`, true},
		{"seventh decimal rounds up", `{"x":[{"numeric":[">",0.1]}]}`, `{"x":0.1000005}`, true},
		{"not strings", `{"x":[{"numeric":[">",0]}]}`, `{"x":"5"}`, false},
		{"not booleans", `{"x":[{"numeric":[">",0]}]}`, `{"x":true}`, false},
		{"beyond range never numeric", `{"x":[{"numeric":[">",0]}]}`, `{"x":5000000001}`, false},
		{"range edge", `{"x":[{"numeric":[">",0]}]}`, `{"x":5000000000}`, true},
		{"array any", `{"x":[{"numeric":[">",10]}]}`, `{"x":[1,2,30]}`, true},
	})
}

func TestCIDR(t *testing.T) {
	runMatches(t, []matchCase{
		{"v4 inside", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.0.255"}`, true},
		{"v4 outside", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.1.0"}`, false},
		{"v4 /8", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"10.200.3.4"}`, true},
		{"v4 /0", `{"ip":[{"cidr":"0.0.0.0/0"}]}`, `{"ip":"255.255.255.255"}`, true},
		{"range starts at the address written", `{"ip":[{"cidr":"10.0.0.5/24"}]}`, `{"ip":"10.0.0.4"}`, false},
		{"range from the address written", `{"ip":[{"cidr":"10.0.0.5/24"}]}`, `{"ip":"10.0.0.200"}`, true},
		{"v6 inside", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db8:ffff::1"}`, true},
		{"v6 outside", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db9::1"}`, false},
		{"v6 /127", `{"ip":[{"cidr":"2001:db8::/127"}]}`, `{"ip":"2001:db8::1"}`, true},
		{"families differ", `{"ip":[{"cidr":"0.0.0.0/0"}]}`, `{"ip":"::1"}`, false},
		{"not an address", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"10.0.0.x"}`, false},
		{"v4-mapped is v4", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"::ffff:a00:1"}`, true},
		{"not numbers", `{"ip":[{"cidr":"0.0.0.0/0"}]}`, `{"ip":167772161}`, false},
	})
}

func TestExists(t *testing.T) {
	runMatches(t, []matchCase{
		{"true present", `{"d":{"c":[{"exists":true}]}}`, `{"d":{"c":5}}`, true},
		{"true null is present", `{"d":{"c":[{"exists":true}]}}`, `{"d":{"c":null}}`, true},
		{"true absent", `{"d":{"c":[{"exists":true}]}}`, `{"d":{"x":5}}`, false},
		{"true object is not a leaf", `{"d":{"c":[{"exists":true}]}}`, `{"d":{"c":{"c1":100}}}`, false},
		{"true empty array", `{"d":{"c":[{"exists":true}]}}`, `{"d":{"c":[]}}`, false},
		{"false absent", `{"d":{"c":[{"exists":false}]}}`, `{"d":{"x":5}}`, true},
		{"false parent absent", `{"d":{"c":[{"exists":false}]}}`, `{"x":5}`, true},
		{"false parent scalar", `{"d":{"c":[{"exists":false}]}}`, `{"d":"s"}`, true},
		{"false present", `{"d":{"c":[{"exists":false}]}}`, `{"d":{"c":5}}`, false},
		{"false null present", `{"d":{"c":[{"exists":false}]}}`, `{"d":{"c":null}}`, false},
		{"false object is not a leaf", `{"d":{"c":[{"exists":false}]}}`, `{"d":{"c":{"c1":100}}}`, true},
		{"false empty array", `{"d":{"c":[{"exists":false}]}}`, `{"d":{"c":[]}}`, true},
		{"false in any element", `{"d":{"c":[{"exists":false}]}}`, `{"d":[{"x":1},{"c":2}]}`, false},
		{"false in no element", `{"d":{"c":[{"exists":false}]}}`, `{"d":[{"x":1},{"y":2}]}`, true},
		{"false with sibling", `{"d":{"c":[{"exists":false}],"s":["on"]}}`, `{"d":{"s":"on"}}`, true},
		{"false with sibling present", `{"d":{"c":[{"exists":false}],"s":["on"]}}`, `{"d":{"s":"on","c":1}}`, false},
		{"false or value", `{"c":[{"exists":false},"x"]}`, `{"c":"x"}`, true},
		{"false or value absent", `{"c":[{"exists":false},"x"]}`, `{}`, true},
		{"false or value other", `{"c":[{"exists":false},"x"]}`, `{"c":"y"}`, false},
		{"top level", `{"source":[{"exists":true}]}`, `{"source":"a"}`, true},
	})
}

func TestOr(t *testing.T) {
	const cw = `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}]}`
	const nested = `{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},` +
		`{"metricType":["MetricType"],"namespace":["AWS/EC2"],"$or":[{"metricId":[1234]},{"spaceId":[1000]}]},{"scope":["Service"]}]}`
	const parallel = `{"$or":[{"a":["1"]},{"b":["2"]}],"detail":{"$or":[{"c":["3"]},{"d":["4"]}]}}`
	runMatches(t, []matchCase{
		{"first branch", cw, `{"source":"aws.cloudwatch","metricName":"ReadLatency"}`, true},
		{"second branch", cw, `{"source":"aws.cloudwatch","namespace":"AWS/ES"}`, true},
		{"no branch", cw, `{"source":"aws.cloudwatch","namespace":"AWS/S3"}`, false},
		{"and outside or", cw, `{"source":"aws.ec2","namespace":"AWS/ES"}`, false},
		{"nested inner", nested, `{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/EC2","spaceId":1000}`, true},
		{"nested inner missing", nested, `{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/EC2"}`, false},
		{"nested third", nested, `{"source":"aws.cloudwatch","scope":"Service"}`, true},
		{"parallel both", parallel, `{"b":"2","detail":{"c":"3"}}`, true},
		{"parallel one", parallel, `{"b":"2","detail":{"c":"4"}}`, false},
		{"inside object", `{"detail":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"d":[{"numeric":["<",10]}]}]}}`, `{"detail":{"d":3}}`, true},
		{"same path as outside: both hold", `{"a":["x"],"$or":[{"a":[{"prefix":"y"}]},{"b":["1"]}]}`, `{"a":"x","b":"1"}`, true},
		{"same path as outside: both must hold", `{"a":["x"],"$or":[{"a":[{"prefix":"y"}]},{"b":["1"]}]}`, `{"a":"x","b":"2"}`, false},
		{"array consistency across or", `{"e":{"f":["Anna"]},"$or":[{"e":{"l":["Doe"]}},{"e":{"l":["Jones"]}}]}`,
			`{"e":[{"f":"John","l":"Doe"},{"f":"Anna","l":"Smith"}]}`, false},
		{"array consistency across or ok", `{"e":{"f":["Anna"]},"$or":[{"e":{"l":["Doe"]}},{"e":{"l":["Smith"]}}]}`,
			`{"e":[{"f":"John","l":"Doe"},{"f":"Anna","l":"Smith"}]}`, true},
	})
}

func TestMatchEventErrors(t *testing.T) {
	p, err := Compile(`{"a":["b"]}`)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{``, `[]`, `"x"`, `5`, `null`, `{`, `{"a":1} {"a":2}`, `{"a":"b"`} {
		_, err := p.Match([]byte(ev))
		var ee *EventError
		if !errors.As(err, &ee) {
			t.Errorf("Match(%q) error = %v, want *EventError", ev, err)
			continue
		}
		if ee.Reason == "" || err.Error() != "Parameter Event is not valid." {
			t.Errorf("Match(%q) = %q, reason %q", ev, err, ee.Reason)
		}
	}
	if ok, err := p.Match([]byte(` {"a":"b"} `)); !ok || err != nil {
		t.Errorf("Match with spaces = %v, %v", ok, err)
	}
}

func TestMatchValueGoTypes(t *testing.T) {
	p, err := Compile(`{"n":[{"numeric":[">",1]}],"m":[7],"s":["x"]}`)
	if err != nil {
		t.Fatal(err)
	}
	ev := map[string]any{"n": int64(2), "m": uint8(7), "s": []any{"y", "x"}}
	if !p.MatchValue(ev) {
		t.Error("Go integers were not taken as numbers")
	}
	if p.MatchValue(map[string]any{"n": "2", "m": 7, "s": "x"}) {
		t.Error("a string was taken as a number")
	}
}

func TestPatternString(t *testing.T) {
	const src = `{"source":["aws.ec2"]}`
	p, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != src {
		t.Errorf("String() = %q", p.String())
	}
}
