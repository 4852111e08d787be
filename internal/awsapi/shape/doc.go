// Package shape is the runtime support for the Go types that tools/awsgen
// generates from botocore models (packages such as ecs/ecstypes and
// sts/ststypes).
//
// Generated types use plain Go types for most shapes; this package holds the
// few that need custom encoding, chiefly Time for the timestamp shape, and the
// descriptive tables (OperationInfo) that the generated packages fill in.
// It imports nothing beyond the standard library so that every codec can use
// it.
package shape
