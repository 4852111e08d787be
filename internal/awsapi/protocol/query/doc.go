// Package query is the awsQuery protocol codec used by IAM, STS, ELBv2 and
// (later) CloudWatch: requests arrive as form values
// (Action=…&Version=…&Params, application/x-www-form-urlencoded) and
// responses leave as XML.
//
// The codec works on the Go shapes generated from the botocore models, by
// reflection, with per-type metadata cached on first use. A field's struct
// tags say how it appears on the wire:
//
//	json:"Name,omitzero"        wire name (member name, or its locationName);
//	                            omitzero drops a zero value from responses
//	wireName:"Name"             wire name, when the json key could not be it
//	locationName:"member"       list fields: the list member's name
//	flattened:"true"            list and map fields: no wrapper element
//	keyLocationName:"key"       map fields: the entry key's name
//	valueLocationName:"value"   map fields: the entry value's name
//	timestampFormat:"…"         unixTimestamp or rfc822 instead of ISO 8601
//
// Request parameters, as botocore's QuerySerializer writes them:
//
//	Name=v                         scalar
//	Name.Member=v                  structure member
//	Name.member.N=v                list element (1-based N)
//	Name.member.N.Member=v         list of structures
//	Name.N=v                       flattened list
//	Name=                          empty list
//	Name.entry.N.key=k             map entry key
//	Name.entry.N.value=v           map entry value
//
// Responses, as botocore's QueryParser and aws-sdk-go-v2 read them:
//
//	<ActionResponse xmlns="…">
//	  <ActionResult>…members…</ActionResult>
//	  <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>
//	</ActionResponse>
//
// Scalars are written as text: booleans true/false, numbers in decimal,
// blobs in base64, timestamps in ISO 8601 UTC. Timestamps are shape.Time,
// or any other encoding.TextMarshaler / TextUnmarshaler, which encode
// themselves, or time.Time.
//
// DecodeEC2, WriteEC2Response and WriteEC2Error speak EC2's dialect of the
// protocol with the same machinery; see package ec2query for its rules.
package query
