package shape

// OperationInfo describes one API operation of a generated package, as the
// botocore model names it. The generated package's Operations table lists
// one per operation, sorted by Name.
type OperationInfo struct {
	// Name is the operation name: the X-Amz-Target suffix for JSON protocols
	// and the Action parameter for query protocols.
	Name string
	// Input and Output are the Go type names (in the generated package) of
	// the request and response structures; empty when the operation has none.
	Input, Output string
	// ResultWrapper is the element that wraps the response in query
	// protocols (for example "AssumeRoleResult"); empty otherwise.
	ResultWrapper string
	// Errors are the error codes the model says the operation can return,
	// in model order.
	Errors []string
}
