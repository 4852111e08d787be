// Package ec2 serves the part of the Amazon EC2 API that Fargate tasks
// need: VPCs, subnets, security groups and their rules, network interfaces,
// availability zones and tags (EC2's query protocol). Methods are named
// after the operations and know nothing of HTTP; routes.go lists them.
//
// Every account starts, in each region, with a default VPC
// (172.31.0.0/16), a default subnet per availability zone and a default
// security group, as a new AWS account does; they are made on the first
// EC2 call of that account and region (see defaults.go).
package ec2

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/berth-dev/berth/internal/awsapi/ec2/ec2types"
	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store"
)

// Store kinds this package owns; the state reset deletes them per account.
const (
	kindVPC      = "ec2-vpc"
	kindSubnet   = "ec2-subnet"
	kindSG       = "ec2-security-group"
	kindDefaults = "ec2-defaults"
	kindENI      = "ec2-eni"
	kindIPAM     = "ec2-ipam" // a subnet's address pool, by subnet id
)

// Kinds lists every store kind of this package.
var Kinds = []string{kindVPC, kindSubnet, kindSG, kindDefaults, kindENI, kindIPAM}

// Service implements the EC2 operations.
type Service struct {
	store store.Store
	// DefaultVPCCIDR is the default VPC's block in new accounts and regions.
	DefaultVPCCIDR string
	// PublicCIDR is where tasks' public addresses (assignPublicIp) come
	// from: one pool for every account and region of this server.
	PublicCIDR string

	members memberIndex // of security groups, kept by RunIndex
}

// DefaultPublicCIDR is PublicCIDR unless configured: a block of the
// benchmarking range (RFC 2544) that LANs and VPNs rarely use.
const DefaultPublicCIDR = "198.19.0.0/16"

// New returns the EC2 service over s.
func New(s store.Store) *Service {
	return &Service{store: s, DefaultVPCCIDR: "172.31.0.0/16", PublicCIDR: DefaultPublicCIDR}
}

// Service describes EC2 for the gateway.
func (s *Service) Service() *protocol.Service {
	return &protocol.Service{
		SigningName:  ec2types.SigningName,
		Wire:         protocol.EC2Query,
		XMLNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
		Version:      ec2types.APIVersion,
		Operations:   s.routes(),
	}
}

// scope is the account and region a request acts in.
type scope struct{ account, region string }

func scopeOf(ctx context.Context) scope {
	info := protocol.Request(ctx)
	return scope{account: info.Account(), region: info.Region}
}

func (sc scope) key(kind, id string) string { return store.Key(kind, sc.account, sc.region, id) }

func (sc scope) prefix(kind string) string { return store.Prefix(kind, sc.account, sc.region) }

func (sc scope) arn(resource string) string {
	return "arn:aws:ec2:" + sc.region + ":" + sc.account + ":" + resource
}

// newID returns an EC2-style id: prefix, "-", 17 hex digits.
func newID(prefix string) string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])[:17]
}

// EC2 error codes used across the package.
const (
	codeInvalidParameterValue = "InvalidParameterValue"
	codeMissingParameter      = "MissingParameter"
	codeDependencyViolation   = "DependencyViolation"
)

// ec2Error builds a client error with EC2's code; EC2 answers them all 400.
func ec2Error(code, format string, args ...any) *protocol.Error {
	return protocol.Errorf(code, http.StatusBadRequest, format, args...)
}

func invalidValue(format string, args ...any) *protocol.Error {
	return ec2Error(codeInvalidParameterValue, format, args...)
}

func missingParameter(name string) *protocol.Error {
	return ec2Error(codeMissingParameter, "The request must contain the parameter %s", name)
}
