package policy

import (
	"slices"
	"testing"
)

func TestParseMalformed(t *testing.T) {
	const (
		allow    = `{"Effect":"Allow","Action":"ecs:ListClusters","Resource":"*"}`
		trustEC2 = `{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}`
	)
	doc := func(statements string) string { return `{"Version":"2012-10-17","Statement":[` + statements + `]}` }
	for _, tc := range []struct {
		name string
		kind Kind
		doc  string
		want string // "" for a valid document
	}{
		{"identity ok", Identity, doc(allow), ""},
		{"single statement object", Identity, `{"Version":"2012-10-17","Statement":` + allow + `}`, ""},
		{"no version", Identity, `{"Statement":[` + allow + `]}`, ""},
		{"2008 version", Trust, `{"Version":"2008-10-17","Statement":[` + trustEC2 + `]}`, ""},
		{"trust ok", Trust, doc(trustEC2), ""},
		{"trust account id", Trust, doc(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`), ""},
		{"trust star", Trust, doc(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`), ""},
		{"lists", Identity, doc(`{"Sid":"a","Effect":"Deny","NotAction":["ecs:*","ec2:Describe*"],"NotResource":["arn:aws:ecs:*:*:cluster/x"],"Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1",1,true]}}}`), ""},
		{"not json", Identity, `{"Version":`, msgInvalidJSON},
		{"trailing data", Identity, doc(allow) + `{}`, msgInvalidJSON},
		{"trailing garbage", Identity, doc(allow) + `}`, msgInvalidJSON},
		{"trailing space", Identity, doc(allow) + " \n", ""},
		{"empty", Identity, ``, msgInvalidJSON},
		{"array", Identity, `[]`, msgSyntax},
		{"unknown top element", Identity, `{"Version":"2012-10-17","Statements":[` + allow + `]}`, msgSyntax},
		{"bad version", Identity, `{"Version":"2012-10-18","Statement":[` + allow + `]}`, msgSyntax},
		{"no statement", Identity, `{"Version":"2012-10-17"}`, msgSyntax},
		{"empty statement list", Identity, doc(``), msgSyntax},
		{"statement not object", Identity, doc(`"x"`), msgSyntax},
		{"unknown statement element", Identity, doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Resources":"*"}`), msgSyntax},
		{"action and notaction", Identity, doc(`{"Effect":"Allow","Action":"a:b","NotAction":"a:c","Resource":"*"}`), msgSyntax},
		{"no effect", Identity, doc(`{"Action":"a:b","Resource":"*"}`), msgSyntax},
		{"bad effect", Identity, doc(`{"Effect":"Permit","Action":"a:b","Resource":"*"}`), msgSyntax},
		{"action number", Identity, doc(`{"Effect":"Allow","Action":5,"Resource":"*"}`), msgSyntax},
		{"condition not object", Identity, doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":"x"}`), msgSyntax},
		{"condition value object", Identity, doc(`{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"Bool":{"k":{}}}}`), msgSyntax},
		{"bad principal type", Trust, doc(`{"Effect":"Allow","Principal":{"User":"x"},"Action":"sts:AssumeRole"}`), msgSyntax},
		{"effect case", Identity, doc(`{"Effect":"allow","Action":"a:b","Resource":"*"}`), msgLegacy},
		{"duplicate sid", Identity, doc(`{"Sid":"x","Effect":"Allow","Action":"a:b","Resource":"*"},{"Sid":"x","Effect":"Allow","Action":"a:b","Resource":"*"}`), msgDuplicateSid},
		{"no action", Identity, doc(`{"Effect":"Allow","Resource":"*"}`), msgNoActions},
		{"empty action list", Identity, doc(`{"Effect":"Allow","Action":[],"Resource":"*"}`), msgNoActions},
		{"principal in identity", Identity, doc(`{"Effect":"Allow","Principal":"*","Action":"a:b","Resource":"*"}`), msgPrincipalInIdent},
		{"no resource", Identity, doc(`{"Effect":"Allow","Action":"a:b"}`), msgNoResources},
		{"resource in trust", Trust, doc(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}`), msgResourceInTrust},
		{"no principal in trust", Trust, doc(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), msgNoPrincipal},
		{"bad aws principal", Trust, doc(`{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "AWS":"bob"`},
		{"bad service principal", Trust, doc(`{"Effect":"Allow","Principal":{"Service":"ecs tasks"},"Action":"sts:AssumeRole"}`), `Invalid principal in policy: "Service":"ecs tasks"`},
		{"action without vendor", Identity, doc(`{"Effect":"Allow","Action":"ListClusters","Resource":"*"}`), msgActionVendor},
		{"action two colons", Identity, doc(`{"Effect":"Allow","Action":"ecs:a:b","Resource":"*"}`), msgActionColons},
		{"bad vendor", Identity, doc(`{"Effect":"Allow","Action":"e$s:a","Resource":"*"}`), "Vendor e$s is not valid"},
		{"resource not arn", Identity, doc(`{"Effect":"Allow","Action":"a:b","Resource":"bucket"}`), `Resource bucket must be in ARN format or "*".`},
		{"resource short arn", Identity, doc(`{"Effect":"Allow","Action":"a:b","Resource":"arn:aws:iam:123:user/x"}`), msgLegacy},
		{"resource wild vendor", Identity, doc(`{"Effect":"Allow","Action":"a:b","Resource":"arn:aws:*:::x"}`), msgResourceVendor},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Parse(tc.doc, tc.kind)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(d.Statements) == 0 {
					t.Fatal("no statements")
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Message != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParseBuildsStatements(t *testing.T) {
	d, err := Parse(`{"Version":"2012-10-17","Statement":{"Sid":"s","Effect":"Allow",
		"Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/x"],"Service":"ecs-tasks.amazonaws.com"},
		"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}}`, Trust)
	if err != nil {
		t.Fatal(err)
	}
	s := d.Statements[0]
	if s.Sid != "s" || s.Deny || s.NotAction || !slices.Equal(s.Actions, []string{"sts:AssumeRole"}) || s.Resources != nil {
		t.Fatalf("statement %+v", s)
	}
	if !slices.Equal(s.Principals["AWS"], []string{"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:role/x"}) {
		t.Fatalf("account id not stored as its root ARN: %v", s.Principals["AWS"])
	}
	if len(s.Conditions) != 1 || s.Conditions[0].Key != "aws:SourceAccount" || !s.Conditions[0].Supported() {
		t.Fatalf("conditions %+v", s.Conditions)
	}
}

func TestCompact(t *testing.T) {
	if got := Compact("{ \"a\" :\n [1, 2] }"); got != `{"a":[1,2]}` {
		t.Fatal(got)
	}
	if got := Compact("not json"); got != "not json" {
		t.Fatal(got)
	}
}
