package sigv4

import (
	"errors"
	"testing"
)

func TestErrorFor(t *testing.T) {
	type worded struct {
		code   string
		status int
	}
	tests := []struct {
		kind             Kind
		query, json, ec2 worded
		ec2Message       string // "" when EC2 keeps the verifier's message
	}{
		{KindMissingAuth, worded{"MissingAuthenticationToken", 403}, worded{"MissingAuthenticationTokenException", 400}, worded{"MissingAuthenticationToken", 401}, ""},
		{KindIncomplete, worded{"IncompleteSignature", 400}, worded{"IncompleteSignatureException", 400}, worded{"IncompleteSignature", 400}, ""},
		{KindUnknownKey, worded{"InvalidClientTokenId", 403}, worded{"UnrecognizedClientException", 400}, worded{"AuthFailure", 401}, msgEC2AuthFailure},
		{KindBadSignature, worded{"SignatureDoesNotMatch", 403}, worded{"InvalidSignatureException", 400}, worded{"AuthFailure", 401}, msgEC2AuthFailure},
		{KindExpired, worded{"SignatureDoesNotMatch", 403}, worded{"InvalidSignatureException", 400}, worded{"RequestExpired", 400}, "Request has expired."},
		{KindPresignExpired, worded{"AccessDenied", 403}, worded{"AccessDeniedException", 403}, worded{"RequestExpired", 400}, "Request has expired."},
		{KindPayloadHash, worded{"XAmzContentSHA256Mismatch", 400}, worded{"XAmzContentSHA256Mismatch", 400}, worded{"XAmzContentSHA256Mismatch", 400}, ""},
		{KindExpiredToken, worded{"ExpiredToken", 403}, worded{"ExpiredTokenException", 400}, worded{"RequestExpired", 400}, "Request has expired."},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			e := newError(tt.kind, "original message")
			if e.Code != tt.query.code || e.Status != tt.query.status {
				t.Errorf("default = %s %d, want the Query family's %s %d", e.Code, e.Status, tt.query.code, tt.query.status)
			}
			for _, c := range []struct {
				p    Protocol
				want worded
				msg  string
			}{
				{Query, tt.query, ""},
				{JSON, tt.json, ""},
				{EC2Query, tt.ec2, tt.ec2Message},
			} {
				got := e.For(c.p)
				if got.Code != c.want.code || got.Status != c.want.status || got.Kind != tt.kind {
					t.Errorf("For(%d) = %s %d (%v), want %s %d", c.p, got.Code, got.Status, got.Kind, c.want.code, c.want.status)
				}
				wantMsg := c.msg
				if wantMsg == "" {
					wantMsg = "original message"
				}
				if got.Message != wantMsg {
					t.Errorf("For(%d).Message = %q, want %q", c.p, got.Message, wantMsg)
				}
			}
			if e.Message != "original message" || e.Code != tt.query.code {
				t.Error("For modified its receiver")
			}
		})
	}
}

func TestErrorForUnknown(t *testing.T) {
	e := &Error{Kind: 99, Code: "X", Status: 418, Message: "m"}
	if got := e.For(JSON); *got != *e {
		t.Errorf("For on an unknown kind = %+v, want a copy", got)
	}
	e = newError(KindIncomplete, "m")
	if got := e.For(Protocol(42)); got.Code != "IncompleteSignature" {
		t.Errorf("For(unknown protocol) = %s, want the Query wording", got.Code)
	}
}

func TestErrorIsError(t *testing.T) {
	var err error = errUnknownKey()
	var e *Error
	if !errors.As(err, &e) || err.Error() != "InvalidClientTokenId: "+msgInvalidToken {
		t.Errorf("Error() = %q", err.Error())
	}
	if KindPayloadHash.String() != "PayloadHash" || Kind(0).String() != "Kind(0)" {
		t.Error("Kind.String")
	}
}
