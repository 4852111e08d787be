package query

import (
	"io"
	"testing"
)

func BenchmarkDecodeCreateRule(b *testing.B) {
	values := readForm(b, "create-rule")
	b.ReportAllocs()
	for b.Loop() {
		var in CreateRuleInput
		if err := Decode(values, &in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeAssumeRole(b *testing.B) {
	values := readForm(b, "assume-role")
	b.ReportAllocs()
	for b.Loop() {
		var in AssumeRoleRequest
		if err := Decode(values, &in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteDescribeTargetGroups(b *testing.B) {
	out := describeTargetGroupsOutput()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteResponse(io.Discard, "DescribeTargetGroups", elbv2NS, out, reqID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteAssumeRole(b *testing.B) {
	out := assumeRoleResponse()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteResponse(io.Discard, "AssumeRole", stsNS, out, reqID); err != nil {
			b.Fatal(err)
		}
	}
}
