// Package protocol is berth's AWS wire layer, written once: the error type
// every service returns, the per-request context (request id, account,
// region, principal), the operation table a service exposes, and the
// awsJson codec. The awsQuery codec lives in protocol/query; SigV4 in
// awsapi/sigv4; the HTTP front door that ties them together in
// awsapi/gateway.
package protocol
