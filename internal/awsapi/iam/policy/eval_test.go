package policy

import "testing"

func mustParse(t *testing.T, doc string, k Kind) *Document {
	t.Helper()
	d, err := Parse(doc, k)
	if err != nil {
		t.Fatalf("parse %s: %v", doc, err)
	}
	return d
}

func TestEvaluateIdentity(t *testing.T) {
	doc := func(statements string) string { return `{"Version":"2012-10-17","Statement":[` + statements + `]}` }
	const cluster = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod"
	for _, tc := range []struct {
		name             string
		doc              string
		action, resource string
		ctx              Context
		want             Decision
	}{
		{"allow exact", doc(`{"Effect":"Allow","Action":"ecs:ListClusters","Resource":"*"}`), "ecs:ListClusters", "*", nil, Allow},
		{"action case-insensitive", doc(`{"Effect":"Allow","Action":"ECS:listclusters","Resource":"*"}`), "ecs:ListClusters", "*", nil, Allow},
		{"other action", doc(`{"Effect":"Allow","Action":"ecs:ListClusters","Resource":"*"}`), "ecs:RunTask", "*", nil, NotApplicable},
		{"action wildcard", doc(`{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}`), "ecs:DescribeTasks", "*", nil, Allow},
		{"star action", doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`), "ec2:DescribeVpcs", "*", nil, Allow},
		{"resource match", doc(`{"Effect":"Allow","Action":"ecs:*","Resource":"arn:aws:ecs:*:123456789012:cluster/*"}`), "ecs:DeleteCluster", cluster, nil, Allow},
		{"resource mismatch", doc(`{"Effect":"Allow","Action":"ecs:*","Resource":"arn:aws:ecs:*:123456789012:cluster/dev"}`), "ecs:DeleteCluster", cluster, nil, NotApplicable},
		{"resource case-sensitive", doc(`{"Effect":"Allow","Action":"ecs:*","Resource":"arn:aws:ecs:*:123456789012:cluster/PROD"}`), "ecs:DeleteCluster", cluster, nil, NotApplicable},
		{"star resource request", doc(`{"Effect":"Allow","Action":"ecs:*","Resource":"arn:aws:ecs:*:*:cluster/*"}`), "ecs:ListClusters", "*", nil, NotApplicable},
		{"deny wins", doc(`{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"ecs:DeleteCluster","Resource":"*"}`), "ecs:DeleteCluster", cluster, nil, Deny},
		{"deny elsewhere", doc(`{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"ecs:DeleteCluster","Resource":"*"}`), "ecs:ListClusters", "*", nil, Allow},
		{"not action", doc(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), "ecs:ListClusters", "*", nil, Allow},
		{"not action excluded", doc(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), "iam:CreateRole", "*", nil, NotApplicable},
		{"not resource", doc(`{"Effect":"Deny","Action":"ecs:*","NotResource":"arn:aws:ecs:*:*:cluster/dev"}`), "ecs:DeleteCluster", cluster, nil, Deny},
		{"not resource excluded", doc(`{"Effect":"Deny","Action":"ecs:*","NotResource":"arn:aws:ecs:*:*:cluster/prod"}`), "ecs:DeleteCluster", cluster, nil, NotApplicable},
		{"condition holds", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}`), "ecs:ListClusters", "*", ctxOf("aws:RequestedRegion", "eu-west-1"), Allow},
		{"condition fails", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}`), "ecs:ListClusters", "*", ctxOf("aws:RequestedRegion", "us-east-1"), NotApplicable},
		{"condition key case", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLike":{"AWS:requestedregion":"eu-*"}}}`), "ecs:ListClusters", "*", ctxOf("aws:RequestedRegion", "eu-west-1"), Allow},
		{"condition missing key", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"a"}}}`), "ecs:ListClusters", "*", Context{}, NotApplicable},
		{"negated missing key", doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"a"}}}`), "ecs:ListClusters", "*", Context{}, Deny},
		{"if exists missing key", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalTag/team":"a"}}}`), "ecs:ListClusters", "*", Context{}, Allow},
		{"null", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"aws:PrincipalTag/team":"true"}}}`), "ecs:ListClusters", "*", Context{}, Allow},
		{"unsupported condition allow", doc(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"10"}}}`), "ecs:ListClusters", "*", nil, NotApplicable},
		{"unsupported condition deny", doc(`{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`), "ecs:ListClusters", "*", nil, Allow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.doc, Identity)
			if got := d.Evaluate(Request{Action: tc.action, Resource: tc.resource, Context: tc.ctx}); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func ctxOf(kv ...string) Context {
	c := Context{}
	for i := 0; i < len(kv); i += 2 {
		c.Set(kv[i], kv[i+1])
	}
	return c
}

func TestEvaluateSet(t *testing.T) {
	allow := mustParse(t, `{"Statement":{"Effect":"Allow","Action":"ecs:*","Resource":"*"}}`, Identity)
	deny := mustParse(t, `{"Statement":{"Effect":"Deny","Action":"ecs:RunTask","Resource":"*"}}`, Identity)
	r := Request{Action: "ecs:RunTask", Resource: "*"}
	if got := Evaluate([]*Document{allow, deny}, r); got != Deny {
		t.Fatalf("allow+deny: %v", got)
	}
	if got := Evaluate([]*Document{allow}, r); got != Allow {
		t.Fatalf("allow: %v", got)
	}
	if got := Evaluate(nil, r); got != NotApplicable {
		t.Fatalf("none: %v", got)
	}
	if Allow.String() != "Allow" || Deny.String() != "Deny" || NotApplicable.String() != "NotApplicable" {
		t.Fatal("String")
	}
}

func TestEvaluateTrust(t *testing.T) {
	const (
		acct    = "123456789012"
		roleARN = "arn:aws:iam::123456789012:role/caller"
		session = "arn:aws:sts::123456789012:assumed-role/caller/s1"
	)
	sessionCaller := Caller{"AWS": {AccountRoot(acct), roleARN, session}}
	ecsTasks := Caller{"Service": {"ecs-tasks.amazonaws.com"}}
	doc := func(statements string) string { return `{"Version":"2012-10-17","Statement":[` + statements + `]}` }
	for _, tc := range []struct {
		name    string
		doc     string
		caller  Caller
		ctx     Context
		lenient bool
		want    Decision
	}{
		{"service string", doc(`{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}`), ecsTasks, nil, false, Allow},
		{"service list", doc(`{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","ecs-tasks.amazonaws.com"]},"Action":"sts:AssumeRole"}`), ecsTasks, nil, false, Allow},
		{"other service", doc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`), ecsTasks, nil, false, NotApplicable},
		{"other action", doc(`{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:TagSession"}`), ecsTasks, nil, false, NotApplicable},
		{"account id", doc(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`), sessionCaller, nil, false, Allow},
		{"account root", doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}`), sessionCaller, nil, false, Allow},
		{"role arn", doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/caller"},"Action":"sts:AssumeRole"}`), sessionCaller, nil, false, Allow},
		{"session arn", doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::123456789012:assumed-role/caller/s1"},"Action":"sts:AssumeRole"}`), sessionCaller, nil, false, Allow},
		{"other role", doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/other"},"Action":"sts:AssumeRole"}`), sessionCaller, nil, false, NotApplicable},
		{"other account", doc(`{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"sts:AssumeRole"}`), sessionCaller, nil, false, NotApplicable},
		{"aws star", doc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`), sessionCaller, nil, false, Allow},
		{"aws star not service", doc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}`), ecsTasks, nil, false, NotApplicable},
		{"everyone", doc(`{"Effect":"Allow","Principal":"*","Action":"sts:*"}`), ecsTasks, nil, false, Allow},
		{"deny caller", doc(`{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:role/caller"},"Action":"sts:AssumeRole"}`), sessionCaller, nil, false, Deny},
		{"not principal", doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:role/caller"},"Action":"sts:AssumeRole"}`), ecsTasks, nil, false, Deny},
		{"source account holds", doc(`{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"arn:aws:ecs:*:123456789012:*"}}}`),
			ecsTasks, ctxOf("aws:SourceAccount", acct), true, Allow},
		{"source account differs", doc(`{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}`),
			ecsTasks, ctxOf("aws:SourceAccount", acct), true, NotApplicable},
		{"source arn unknown strict", doc(`{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:ecs:*:123456789012:*"}}}`),
			ecsTasks, Context{}, false, NotApplicable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.doc, Trust)
			r := Request{Action: "sts:AssumeRole", Caller: tc.caller, Context: tc.ctx, LenientConditions: tc.lenient}
			if got := d.Evaluate(r); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
