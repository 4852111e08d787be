package main

import "testing"

func TestExportName(t *testing.T) {
	for in, want := range map[string]string{
		"taskDefinitionArn": "TaskDefinitionArn",
		"cpu":               "Cpu",
		"Cpu":               "Cpu",
		"type":              "Type",
		"func":              "Func",
		"scope":             "Scope",
		"IPv6Address":       "IPv6Address",
		"foo-bar.baz":       "FooBarBaz",
		"snake_case":        "Snake_case",
		"2xlarge":           "X2xlarge",
		"$":                 "X",
		"":                  "X",
	} {
		if got := exportName(in); got != want {
			t.Errorf("exportName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnumValueName(t *testing.T) {
	for in, want := range map[string]string{
		"FARGATE":             "Fargate",
		"FARGATE_SPOT":        "FargateSpot",
		"EC2":                 "Ec2",
		"awsvpc":              "Awsvpc",
		"json-file":           "JsonFile",
		"dualStackIPv6":       "DualStackIPv6",
		"t2.micro":            "T2Micro",
		"X86_64":              "X8664",
		"amazon-web-services": "AmazonWebServices",
		"ecs.capability.efs":  "EcsCapabilityEfs",
		"arn:aws:iam":         "ArnAwsIam",
		"2xlarge":             "2xlarge",
		"*":                   "",
		"":                    "",
	} {
		if got := enumValueName(in); got != want {
			t.Errorf("enumValueName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamespace(t *testing.T) {
	ns := newNamespace()
	ns.reserve("Operations")
	if got := ns.claim("a", "Operations", "OperationsX"); got != "OperationsX" {
		t.Errorf("reserved name handed out: %s", got)
	}
	if got := ns.claim("b", "Foo"); got != "Foo" {
		t.Errorf("free name: %s", got)
	}
	if got := ns.claim("c", "Foo"); got != "Foo_2" {
		t.Errorf("second Foo: %s", got)
	}
	if got := ns.claim("d", "Foo"); got != "Foo_3" {
		t.Errorf("third Foo: %s", got)
	}
	if len(ns.warnings) != 3 {
		t.Errorf("warnings: %v", ns.warnings)
	}
}
