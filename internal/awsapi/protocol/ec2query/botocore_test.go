package ec2query

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
)

// These tests hold the codec to botocore, which the aws CLI is built on:
// botocore's EC2Serializer writes the requests berth decodes, and its
// EC2QueryParser reads the responses berth writes. The serialised requests
// are kept as golden files, so decoding is tested even where botocore is
// missing; -update rewrites them from botocore.

// requestCases are botocore parameters (member names, as the CLI and SDK
// take them) and the Go structure they must decode to.
var requestCases = []struct {
	name   string
	op     string
	params string // JSON
	want   any    // pointer to the expected input structure
}{{
	name: "describe-vpcs",
	op:   "DescribeVpcs",
	params: `{"Filters": [{"Name": "tag:Name", "Values": ["web", "db"]}, {"Name": "is-default", "Values": ["false"]}],
		"VpcIds": ["vpc-0a1", "vpc-0b2"], "MaxResults": 5, "DryRun": false}`,
	want: &ec2types.DescribeVpcsRequest{
		Filters: []ec2types.Filter{
			{Name: "tag:Name", Values: []string{"web", "db"}},
			{Name: "is-default", Values: []string{"false"}},
		},
		VpcIds:     []string{"vpc-0a1", "vpc-0b2"},
		MaxResults: 5,
	},
}, {
	name: "create-tags",
	op:   "CreateTags",
	params: `{"Resources": ["vpc-0a1", "sg-0c3"], "DryRun": true,
		"Tags": [{"Key": "Name", "Value": "web & <db>"}, {"Key": "empty", "Value": ""}]}`,
	want: &ec2types.CreateTagsRequest{
		DryRun:    true,
		Resources: []string{"vpc-0a1", "sg-0c3"},
		Tags:      []ec2types.Tag{{Key: "Name", Value: "web & <db>"}, {Key: "empty"}},
	},
}, {
	name: "authorize-security-group-ingress",
	op:   "AuthorizeSecurityGroupIngress",
	params: `{"GroupId": "sg-0c3", "IpPermissions": [
		{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
		 "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "vpc"}, {"CidrIp": "192.168.0.0/24"}],
		 "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "any"}],
		 "PrefixListIds": [{"PrefixListId": "pl-1", "Description": "s3"}],
		 "UserIdGroupPairs": [{"GroupId": "sg-0d4", "UserId": "123456789012", "Description": "peer"}]},
		{"IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
		"TagSpecifications": [{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}]}`,
	want: &ec2types.AuthorizeSecurityGroupIngressRequest{
		GroupId: "sg-0c3",
		IpPermissions: []ec2types.IpPermission{{
			IpProtocol: "tcp", FromPort: 443, ToPort: 443,
			IpRanges:         []ec2types.IpRange{{CidrIp: "10.0.0.0/16", Description: "vpc"}, {CidrIp: "192.168.0.0/24"}},
			Ipv6Ranges:       []ec2types.Ipv6Range{{CidrIpv6: "::/0", Description: "any"}},
			PrefixListIds:    []ec2types.PrefixListId{{PrefixListId: "pl-1", Description: "s3"}},
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: "sg-0d4", UserId: "123456789012", Description: "peer"}},
		}, {
			IpProtocol: "-1", FromPort: -1, ToPort: -1,
			IpRanges: []ec2types.IpRange{{CidrIp: "0.0.0.0/0"}},
		}},
		TagSpecifications: []ec2types.TagSpecification{
			{ResourceType: "security-group-rule", Tags: []ec2types.Tag{{Key: "k", Value: "v"}}},
		},
	},
}, {
	name: "create-vpc",
	op:   "CreateVpc",
	params: `{"CidrBlock": "10.1.0.0/16", "InstanceTenancy": "default", "AmazonProvidedIpv6CidrBlock": true,
		"TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}, {"Key": "env", "Value": "dev"}]}]}`,
	want: &ec2types.CreateVpcRequest{
		CidrBlock:                   "10.1.0.0/16",
		InstanceTenancy:             "default",
		AmazonProvidedIpv6CidrBlock: true,
		TagSpecifications: []ec2types.TagSpecification{{
			ResourceType: "vpc",
			Tags:         []ec2types.Tag{{Key: "Name", Value: "main"}, {Key: "env", Value: "dev"}},
		}},
	},
}}

func TestDecodeBotocoreRequests(t *testing.T) {
	var bodies map[string]string
	if haveBotocore() {
		var input []map[string]any
		for _, c := range requestCases {
			var params map[string]any
			if err := json.Unmarshal([]byte(c.params), &params); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			input = append(input, map[string]any{"name": c.name, "op": c.op, "params": params})
		}
		runPython(t, "serialize.py", input, &bodies)
	} else {
		t.Log("python3 with botocore not available: decoding the golden requests only")
	}
	for _, c := range requestCases {
		t.Run(c.name, func(t *testing.T) {
			file := c.name + ".form"
			body, ok := bodies[c.name]
			if ok {
				golden(t, "decode", file, []byte(body+"\n"))
			} else {
				data, err := os.ReadFile(filepath.Join("testdata", "decode", file))
				if err != nil {
					t.Fatal(err)
				}
				body = strings.TrimSpace(string(data))
			}
			values, err := url.ParseQuery(body)
			if err != nil {
				t.Fatal(err)
			}
			if got := values.Get("Action"); got != c.op {
				t.Errorf("Action = %q, want %q", got, c.op)
			}
			got := reflect.New(reflect.TypeOf(c.want).Elem()).Interface()
			if err := Decode(values, got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

// responseCases are outputs berth writes and, as JSON in botocore's member
// names, the fields botocore must read back from them (a subset of what it
// parses).
var responseCases = []struct {
	name string
	op   string
	out  any
	want string // JSON subset of botocore's parsed response
}{{
	name: "describe-vpcs",
	op:   "DescribeVpcs",
	out: &ec2types.DescribeVpcsResult{
		Vpcs: []ec2types.Vpc{{
			VpcId: "vpc-0a1", State: "available", CidrBlock: "10.0.0.0/16", DhcpOptionsId: "default",
			OwnerId: "000000000000", InstanceTenancy: "default", IsDefault: true,
			CidrBlockAssociationSet: []ec2types.VpcCidrBlockAssociation{{
				AssociationId: "vpc-cidr-assoc-1", CidrBlock: "10.0.0.0/16",
				CidrBlockState: &ec2types.VpcCidrBlockState{State: "associated"},
			}},
			Tags: []ec2types.Tag{{Key: "Name", Value: "a & b"}},
		}, {
			VpcId: "vpc-0b2", State: "pending", CidrBlock: "10.1.0.0/16", Tags: []ec2types.Tag{},
		}},
		NextToken: "tok",
	},
	want: `{"NextToken": "tok", "Vpcs": [
		{"VpcId": "vpc-0a1", "State": "available", "CidrBlock": "10.0.0.0/16", "DhcpOptionsId": "default",
		 "OwnerId": "000000000000", "InstanceTenancy": "default", "IsDefault": true,
		 "CidrBlockAssociationSet": [{"AssociationId": "vpc-cidr-assoc-1", "CidrBlock": "10.0.0.0/16",
		   "CidrBlockState": {"State": "associated"}}],
		 "Tags": [{"Key": "Name", "Value": "a & b"}]},
		{"VpcId": "vpc-0b2", "State": "pending", "IsDefault": false, "Tags": []}],
		"ResponseMetadata": {"RequestId": "req-1"}}`,
}, {
	name: "describe-security-groups",
	op:   "DescribeSecurityGroups",
	out: &ec2types.DescribeSecurityGroupsResult{
		SecurityGroups: []ec2types.SecurityGroup{{
			GroupId: "sg-0c3", GroupName: "web", Description: "web tier", VpcId: "vpc-0a1", OwnerId: "000000000000",
			IpPermissions: []ec2types.IpPermission{{
				IpProtocol: "tcp", FromPort: 443, ToPort: 443,
				IpRanges:         []ec2types.IpRange{{CidrIp: "10.0.0.0/16", Description: "vpc"}, {CidrIp: "192.168.0.0/24"}},
				Ipv6Ranges:       []ec2types.Ipv6Range{{CidrIpv6: "::/0"}},
				PrefixListIds:    []ec2types.PrefixListId{{PrefixListId: "pl-1"}},
				UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: "sg-0d4", UserId: "000000000000"}},
			}},
			IpPermissionsEgress: []ec2types.IpPermission{{
				IpProtocol: "-1", FromPort: 0, ToPort: 0,
				IpRanges: []ec2types.IpRange{{CidrIp: "0.0.0.0/0"}},
			}},
		}},
	},
	want: `{"SecurityGroups": [{"GroupId": "sg-0c3", "GroupName": "web", "Description": "web tier",
		"VpcId": "vpc-0a1", "OwnerId": "000000000000",
		"IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
		  "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "vpc"}, {"CidrIp": "192.168.0.0/24"}],
		  "Ipv6Ranges": [{"CidrIpv6": "::/0"}], "PrefixListIds": [{"PrefixListId": "pl-1"}],
		  "UserIdGroupPairs": [{"GroupId": "sg-0d4", "UserId": "000000000000"}]}],
		"IpPermissionsEgress": [{"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}],
		"ResponseMetadata": {"RequestId": "req-1"}}`,
}, {
	name: "create-vpc",
	op:   "CreateVpc",
	out: &ec2types.CreateVpcResult{Vpc: &ec2types.Vpc{
		VpcId: "vpc-0a1", State: "pending", CidrBlock: "10.1.0.0/16", InstanceTenancy: "default",
		Tags: []ec2types.Tag{{Key: "Name", Value: "main"}},
	}},
	want: `{"Vpc": {"VpcId": "vpc-0a1", "State": "pending", "CidrBlock": "10.1.0.0/16",
		"InstanceTenancy": "default", "IsDefault": false, "Tags": [{"Key": "Name", "Value": "main"}]},
		"ResponseMetadata": {"RequestId": "req-1"}}`,
}, {
	name: "create-tags",
	op:   "CreateTags",
	want: `{"ResponseMetadata": {"RequestId": "req-1"}}`,
}}

const testXMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"

func TestEncodeBotocoreResponses(t *testing.T) {
	bodies := map[string][]byte{}
	for _, c := range responseCases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteResponse(&buf, c.op, testXMLNS, c.out, "req-1"); err != nil {
				t.Fatal(err)
			}
			golden(t, "encode", c.name+".xml", buf.Bytes())
			bodies[c.name] = buf.Bytes()
		})
	}
	if !haveBotocore() {
		t.Skip("python3 with botocore not available")
	}
	var input []map[string]any
	for _, c := range responseCases {
		input = append(input, map[string]any{"name": c.name, "op": c.op, "status": 200, "body": string(bodies[c.name])})
	}
	var parsed map[string]any
	runPython(t, "parse.py", input, &parsed)
	for _, c := range responseCases {
		t.Run("botocore/"+c.name, func(t *testing.T) {
			var want any
			if err := json.Unmarshal([]byte(c.want), &want); err != nil {
				t.Fatal(err)
			}
			checkSubset(t, "", want, parsed[c.name])
		})
	}
}

func TestErrorBotocore(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteError(&buf, "InvalidVpcID.NotFound", `The vpc ID 'vpc-<1>' does not exist`, "req-2"); err != nil {
		t.Fatal(err)
	}
	golden(t, "encode", "error.xml", buf.Bytes())
	if !haveBotocore() {
		t.Skip("python3 with botocore not available")
	}
	var parsed map[string]any
	runPython(t, "parse.py", []map[string]any{{"name": "err", "op": "DescribeVpcs", "status": 400, "body": buf.String()}}, &parsed)
	want := map[string]any{
		"Error":            map[string]any{"Code": "InvalidVpcID.NotFound", "Message": "The vpc ID 'vpc-<1>' does not exist"},
		"ResponseMetadata": map[string]any{"RequestId": "req-2"},
	}
	checkSubset(t, "", want, parsed["err"])
}

// checkSubset reports each value in want that got lacks or differs in.
// Lists must have the same length.
func checkSubset(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: got %v, want an object", path, got)
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				t.Errorf("%s.%s: missing, want %v", path, k, wv)
				continue
			}
			checkSubset(t, path+"."+k, wv, gv)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: got %v, want %d elements", path, got, len(w))
			return
		}
		for i := range w {
			checkSubset(t, path+"["+strconv.Itoa(i)+"]", w[i], g[i])
		}
	default:
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: got %#v, want %#v", path, got, want)
		}
	}
}
