package iam

// encodeDocument URL-encodes a policy document as IAM returns it in
// AssumeRolePolicyDocument and PolicyDocument: RFC 3986 percent-encoding
// of every byte but the unreserved characters (so a space is %20, never
// "+"). The aws CLI and botocore decode it with unquote; SDK users call
// url.QueryUnescape or its like.
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(doc); i++ {
		if !unreserved(doc[i]) {
			n++
		}
	}
	if n == 0 {
		return doc
	}
	out := make([]byte, 0, len(doc)+2*n)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if unreserved(c) {
			out = append(out, c)
			continue
		}
		out = append(out, '%', hex[c>>4], hex[c&15])
	}
	return string(out)
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}
