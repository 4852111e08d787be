// Package ec2query is the codec of the EC2 query protocol, a dialect of
// awsQuery (see package query) spoken only by EC2. Requests arrive as form
// values (Action=…&Version=…&Params) and responses leave as XML.
//
// The codec is package query's (DecodeEC2, WriteEC2Response, WriteEC2Error),
// which this package forwards to; it works on the Go shapes generated from
// the botocore model (package ec2types) by reflection. The struct tags are those package query reads; ec2query names things
// from them differently, as botocore's EC2Serializer and EC2QueryParser do:
//
//	json:"wire,omitzero"   wire name: the member's locationName, else its name
//	wireName:"wire"        wire name, when the json key could not be it
//	queryName:"Name"       request parameter name, overriding the rule below
//	locationName:"item"    list fields: the element name in responses
//	flattened:"true"       list and map fields: no wrapper element in responses
//
// Request parameters: a member is named by its queryName, else by its wire
// name with the first letter upper-cased (vpcId → VpcId). Lists are always
// flattened, with no ".member." segment:
//
//	Name=v                      scalar
//	Name.Member=v               structure member
//	Name.N=v                    list element (1-based N)
//	Name.N.Member=v             list of structures
//	Name.entry.N.key=k          map entry (as awsQuery; EC2 has no maps)
//
// Responses carry the members directly under the action element, with no
// Result wrapper and a lower-case requestId:
//
//	<ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
//	  <requestId>…</requestId>
//	  <vpcSet><item><vpcId>vpc-1</vpcId>…</item></vpcSet>
//	</ActionResponse>
//
// Errors are <Response><Errors><Error><Code/><Message/></Error></Errors>
// <RequestID/></Response>, with RequestID in capitals.
//
// Scalars are text: booleans true/false, numbers in decimal, blobs in
// base64, timestamps in ISO 8601 UTC (shape.Time and other
// encoding.TextMarshaler types encode themselves).
package ec2query
