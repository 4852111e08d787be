package query

import (
	"time"

	"github.com/berth-dev/berth/internal/awsapi/shape"
)

// Test shapes, written as the botocore generator writes them: exported
// fields, the wire name in the json tag, nested structures as pointers,
// boxed scalars as pointers, strings as values.

// STS.

type Tag struct {
	Key   string `json:"Key,omitzero"`
	Value string `json:"Value,omitzero"`
}

type PolicyDescriptorType struct {
	Arn string `json:"arn,omitzero"`
}

type ProvidedContext struct {
	ProviderArn      string `json:"ProviderArn,omitzero"`
	ContextAssertion string `json:"ContextAssertion,omitzero"`
}

type AssumeRoleRequest struct {
	RoleArn           string                 `json:"RoleArn,omitzero"`
	RoleSessionName   string                 `json:"RoleSessionName,omitzero"`
	PolicyArns        []PolicyDescriptorType `json:"PolicyArns,omitzero"`
	Policy            string                 `json:"Policy,omitzero"`
	DurationSeconds   *int32                 `json:"DurationSeconds,omitzero"`
	Tags              []Tag                  `json:"Tags,omitzero"`
	TransitiveTagKeys []string               `json:"TransitiveTagKeys,omitzero"`
	ExternalId        string                 `json:"ExternalId,omitzero"`
	SerialNumber      string                 `json:"SerialNumber,omitzero"`
	TokenCode         string                 `json:"TokenCode,omitzero"`
	SourceIdentity    string                 `json:"SourceIdentity,omitzero"`
	ProvidedContexts  []ProvidedContext      `json:"ProvidedContexts,omitzero"`
}

type Credentials struct {
	AccessKeyId     string      `json:"AccessKeyId,omitzero"`
	SecretAccessKey string      `json:"SecretAccessKey,omitzero"`
	SessionToken    string      `json:"SessionToken,omitzero"`
	Expiration      *shape.Time `json:"Expiration,omitzero"`
}

type AssumedRoleUser struct {
	AssumedRoleId string `json:"AssumedRoleId,omitzero"`
	Arn           string `json:"Arn,omitzero"`
}

type AssumeRoleResponse struct {
	Credentials      *Credentials     `json:"Credentials,omitzero"`
	AssumedRoleUser  *AssumedRoleUser `json:"AssumedRoleUser,omitzero"`
	PackedPolicySize *int32           `json:"PackedPolicySize,omitzero"`
	SourceIdentity   string           `json:"SourceIdentity,omitzero"`
}

type GetCallerIdentityRequest struct{}

type GetCallerIdentityResponse struct {
	UserId  string `json:"UserId,omitzero"`
	Account string `json:"Account,omitzero"`
	Arn     string `json:"Arn,omitzero"`
}

// ELBv2.

type Matcher struct {
	HttpCode string `json:"HttpCode,omitzero"`
	GrpcCode string `json:"GrpcCode,omitzero"`
}

type CreateTargetGroupInput struct {
	Name                       string   `json:"Name,omitzero"`
	Protocol                   string   `json:"Protocol,omitzero"`
	ProtocolVersion            string   `json:"ProtocolVersion,omitzero"`
	Port                       *int32   `json:"Port,omitzero"`
	VpcId                      string   `json:"VpcId,omitzero"`
	HealthCheckProtocol        string   `json:"HealthCheckProtocol,omitzero"`
	HealthCheckPort            string   `json:"HealthCheckPort,omitzero"`
	HealthCheckEnabled         *bool    `json:"HealthCheckEnabled,omitzero"`
	HealthCheckPath            string   `json:"HealthCheckPath,omitzero"`
	HealthCheckIntervalSeconds *int32   `json:"HealthCheckIntervalSeconds,omitzero"`
	HealthCheckTimeoutSeconds  *int32   `json:"HealthCheckTimeoutSeconds,omitzero"`
	HealthyThresholdCount      *int32   `json:"HealthyThresholdCount,omitzero"`
	UnhealthyThresholdCount    *int32   `json:"UnhealthyThresholdCount,omitzero"`
	Matcher                    *Matcher `json:"Matcher,omitzero"`
	TargetType                 string   `json:"TargetType,omitzero"`
	Tags                       []Tag    `json:"Tags,omitzero"`
	IpAddressType              string   `json:"IpAddressType,omitzero"`
	TargetControlPort          *int32   `json:"TargetControlPort,omitzero"`
}

type AddTagsInput struct {
	ResourceArns []string `json:"ResourceArns,omitzero"`
	Tags         []Tag    `json:"Tags,omitzero"`
}

type AddTagsOutput struct{}

type SetSecurityGroupsInput struct {
	LoadBalancerArn string   `json:"LoadBalancerArn,omitzero"`
	SecurityGroups  []string `json:"SecurityGroups,omitzero"`
}

type ValuesConfig struct {
	Values      []string `json:"Values,omitzero"`
	RegexValues []string `json:"RegexValues,omitzero"`
}

type HttpHeaderConditionConfig struct {
	HttpHeaderName string   `json:"HttpHeaderName,omitzero"`
	Values         []string `json:"Values,omitzero"`
}

type QueryStringKeyValuePair struct {
	Key   string `json:"Key,omitzero"`
	Value string `json:"Value,omitzero"`
}

type QueryStringConditionConfig struct {
	Values []QueryStringKeyValuePair `json:"Values,omitzero"`
}

type RuleCondition struct {
	Field                   string                      `json:"Field,omitzero"`
	Values                  []string                    `json:"Values,omitzero"`
	HostHeaderConfig        *ValuesConfig               `json:"HostHeaderConfig,omitzero"`
	PathPatternConfig       *ValuesConfig               `json:"PathPatternConfig,omitzero"`
	HttpHeaderConfig        *HttpHeaderConditionConfig  `json:"HttpHeaderConfig,omitzero"`
	QueryStringConfig       *QueryStringConditionConfig `json:"QueryStringConfig,omitzero"`
	HttpRequestMethodConfig *ValuesConfig               `json:"HttpRequestMethodConfig,omitzero"`
	SourceIpConfig          *ValuesConfig               `json:"SourceIpConfig,omitzero"`
}

type AuthenticateOidcActionConfig struct {
	Issuer                           string            `json:"Issuer,omitzero"`
	AuthorizationEndpoint            string            `json:"AuthorizationEndpoint,omitzero"`
	TokenEndpoint                    string            `json:"TokenEndpoint,omitzero"`
	UserInfoEndpoint                 string            `json:"UserInfoEndpoint,omitzero"`
	ClientId                         string            `json:"ClientId,omitzero"`
	SessionTimeout                   *int64            `json:"SessionTimeout,omitzero"`
	AuthenticationRequestExtraParams map[string]string `json:"AuthenticationRequestExtraParams,omitzero"`
	UseExistingClientSecret          *bool             `json:"UseExistingClientSecret,omitzero"`
}

type TargetGroupTuple struct {
	TargetGroupArn string `json:"TargetGroupArn,omitzero"`
	Weight         *int32 `json:"Weight,omitzero"`
}

type TargetGroupStickinessConfig struct {
	Enabled         *bool  `json:"Enabled,omitzero"`
	DurationSeconds *int32 `json:"DurationSeconds,omitzero"`
}

type ForwardActionConfig struct {
	TargetGroups                []TargetGroupTuple           `json:"TargetGroups,omitzero"`
	TargetGroupStickinessConfig *TargetGroupStickinessConfig `json:"TargetGroupStickinessConfig,omitzero"`
}

type FixedResponseActionConfig struct {
	MessageBody string `json:"MessageBody,omitzero"`
	StatusCode  string `json:"StatusCode,omitzero"`
	ContentType string `json:"ContentType,omitzero"`
}

type Action struct {
	Type                   string                        `json:"Type,omitzero"`
	TargetGroupArn         string                        `json:"TargetGroupArn,omitzero"`
	AuthenticateOidcConfig *AuthenticateOidcActionConfig `json:"AuthenticateOidcConfig,omitzero"`
	Order                  *int32                        `json:"Order,omitzero"`
	FixedResponseConfig    *FixedResponseActionConfig    `json:"FixedResponseConfig,omitzero"`
	ForwardConfig          *ForwardActionConfig          `json:"ForwardConfig,omitzero"`
}

type CreateRuleInput struct {
	ListenerArn string          `json:"ListenerArn,omitzero"`
	Conditions  []RuleCondition `json:"Conditions,omitzero"`
	Priority    *int32          `json:"Priority,omitzero"`
	Actions     []Action        `json:"Actions,omitzero"`
	Tags        []Tag           `json:"Tags,omitzero"`
}

type TargetGroup struct {
	TargetGroupArn             string   `json:"TargetGroupArn,omitzero"`
	TargetGroupName            string   `json:"TargetGroupName,omitzero"`
	Protocol                   string   `json:"Protocol,omitzero"`
	Port                       *int32   `json:"Port,omitzero"`
	VpcId                      string   `json:"VpcId,omitzero"`
	HealthCheckProtocol        string   `json:"HealthCheckProtocol,omitzero"`
	HealthCheckPort            string   `json:"HealthCheckPort,omitzero"`
	HealthCheckEnabled         *bool    `json:"HealthCheckEnabled,omitzero"`
	HealthCheckIntervalSeconds *int32   `json:"HealthCheckIntervalSeconds,omitzero"`
	HealthCheckTimeoutSeconds  *int32   `json:"HealthCheckTimeoutSeconds,omitzero"`
	HealthyThresholdCount      *int32   `json:"HealthyThresholdCount,omitzero"`
	UnhealthyThresholdCount    *int32   `json:"UnhealthyThresholdCount,omitzero"`
	HealthCheckPath            string   `json:"HealthCheckPath,omitzero"`
	Matcher                    *Matcher `json:"Matcher,omitzero"`
	LoadBalancerArns           []string `json:"LoadBalancerArns,omitzero"`
	TargetType                 string   `json:"TargetType,omitzero"`
	ProtocolVersion            string   `json:"ProtocolVersion,omitzero"`
	IpAddressType              string   `json:"IpAddressType,omitzero"`
}

type DescribeTargetGroupsOutput struct {
	TargetGroups []TargetGroup `json:"TargetGroups,omitzero"`
	NextMarker   string        `json:"NextMarker,omitzero"`
}

// Every scalar kind, plus the tags no STS or ELBv2 shape uses.

type Status string

type Scalars struct {
	S      string      `json:"S,omitzero"`
	E      Status      `json:"E,omitzero"`
	B      *bool       `json:"B,omitzero"`
	I32    *int32      `json:"I32,omitzero"`
	I64    *int64      `json:"I64,omitzero"`
	F64    *float64    `json:"F64,omitzero"`
	Blob   []byte      `json:"Blob,omitzero"`
	T      *time.Time  `json:"T,omitzero"`
	ST     *shape.Time `json:"ST,omitzero"`
	Count  int32       `json:"Count"`
	Flag   bool        `json:"Flag"`
	Ratio  float64     `json:"Ratio"`
	Ignore string      `json:"-"`
	hidden string
}

type Attribute struct {
	Name  string `json:"Name,omitzero"`
	Value string `json:"Value,omitzero"`
}

type Tagged struct {
	Items      []string             `json:"Items,omitzero" locationName:"item"`
	Flat       []string             `json:"Flat,omitzero" flattened:"true"`
	FlatNamed  []Attribute          `json:"FlatNamed,omitzero" flattened:"true" locationName:"Attr"`
	Attributes map[string]string    `json:"Attributes,omitzero" keyLocationName:"Name" valueLocationName:"Value"`
	FlatMap    map[string]string    `json:"FlatMap,omitzero" flattened:"true"`
	StructMap  map[string]Attribute `json:"StructMap,omitzero"`
	Nested     [][]string           `json:"Nested,omitzero"`
	Self       *Tagged              `json:"Self,omitzero"`
}

// Renamed has the generator's rarer tags: a wire name the json key could
// not be, and timestamp formats.
type Renamed struct {
	Event   string      `json:"Event,omitzero" wireName:"Ev"`
	Other   string      `json:"-" wireName:"Evt"`
	Epoch   *shape.Time `json:"Epoch,omitzero" timestampFormat:"unixTimestamp"`
	EpochMs *time.Time  `json:"EpochMs,omitzero" timestampFormat:"unixTimestamp"`
	HTTP    *time.Time  `json:"HTTP,omitzero" timestampFormat:"rfc822"`
	ISO     *shape.Time `json:"ISO,omitzero" timestampFormat:"iso8601"`
}
