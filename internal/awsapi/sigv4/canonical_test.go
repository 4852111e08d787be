package sigv4

import (
	"net/http"
	"net/url"
	"testing"
)

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		presigned bool
		want      string
	}{
		{"empty", "", false, ""},
		{"sorted by name then value", "b=2&a=3&b=1", false, "a=3&b=1&b=2"},
		// '%' (0x25) sorts before '-' (0x2D), '/' after it: sorting must
		// follow encoding.
		{"sorted after encoding", "a-b=1&a%2Fb=2", false, "a%2Fb=2&a-b=1"},
		{"space and plus", "v=a+b&w=a%20b&x=a%2Bb", false, "v=a%20b&w=a%20b&x=a%2Bb"},
		{"reserved characters encoded", "k=a:b/c@d!e*f(g)h'i", false, "k=a%3Ab%2Fc%40d%21e%2Af%28g%29h%27i"},
		{"unreserved left bare", "k=%41z-_.~%7E", false, "k=Az-_.~~"},
		{"lower-case escapes upper-cased", "k=%e2%9c%93", false, "k=%E2%9C%93"},
		{"raw UTF-8", "k=\xe2\x9c\x93", false, "k=%E2%9C%93"},
		{"no equals sign", "flag&a=1", false, "a=1&flag="},
		{"empty segments dropped", "a=1&&b=2&", false, "a=1&b=2"},
		{"stray percent kept literally", "k=100%&j=%zz", false, "j=%25zz&k=100%25"},
		{"equals in value", "k=a=b", false, "k=a%3Db"},
		{"signature kept for header auth", "X-Amz-Signature=abc&a=1", false, "X-Amz-Signature=abc&a=1"},
		{"signature dropped when presigned", "X-Amz-Signature=abc&a=1", true, "a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s scratch
			if got := string(s.appendCanonicalQuery(nil, tt.raw, tt.presigned)); got != tt.want {
				t.Errorf("canonical query of %q = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct {
		path string
		s3   bool
		want string
	}{
		{"", false, "/"},
		{"/", false, "/"},
		{"/a/b", false, "/a/b"},
		{"/a%20b", false, "/a%2520b"},
		{"/a%2Fb/c:d", false, "/a%252Fb/c%3Ad"},
		{"/~user/x-y_z.w", false, "/~user/x-y_z.w"},
		{"/a%20b", true, "/a%20b"},
		{"", true, "/"},
	}
	for _, tt := range tests {
		if got := string(appendCanonicalURI(nil, tt.path, tt.s3)); got != tt.want {
			t.Errorf("canonical URI of %q (s3=%v) = %q, want %q", tt.path, tt.s3, got, tt.want)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct {
		path, want string
		changed    bool
	}{
		{"/", "/", false},
		{"/a/b/", "/a/b/", false},
		{"/a//b", "/a/b", true},
		{"/a/./b", "/a/b", true},
		{"/a/b/../c", "/a/c", true},
		{"/../a", "/a", true},
		{"/a/.", "/a", true},
		{"//", "/", true},
		{"/a.b/.c", "/a.b/.c", false},
	}
	for _, tt := range tests {
		got, changed := normalizePath(tt.path)
		if got != tt.want || changed != tt.changed {
			t.Errorf("normalizePath(%q) = %q, %v; want %q, %v", tt.path, got, changed, tt.want, tt.changed)
		}
	}
}

func TestRequestPath(t *testing.T) {
	tests := []struct {
		name string
		r    *http.Request
		want string
	}{
		{"origin form", &http.Request{RequestURI: "/a%20b/c?x=1", URL: &url.URL{Path: "/a b/c"}}, "/a%20b/c"},
		{"raw bytes kept", &http.Request{RequestURI: "/\xc3\xbc", URL: &url.URL{Path: "/\xc3\xbc"}}, "/\xc3\xbc"},
		{"absolute form", &http.Request{RequestURI: "http://h:80/p%41?q", URL: &url.URL{Path: "/pA"}}, "/p%41"},
		{"absolute form without path", &http.Request{RequestURI: "http://h?q", URL: &url.URL{}}, "/"},
		{"client request", &http.Request{URL: &url.URL{Path: "/a b"}}, "/a%20b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := requestPath(tt.r); got != tt.want {
				t.Errorf("requestPath = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCanonicalHeaders(t *testing.T) {
	r := &http.Request{
		Host:             "example.com:8080",
		URL:              &url.URL{},
		ContentLength:    42,
		TransferEncoding: []string{"chunked"},
		Header: http.Header{
			"X-Amz-Date":   {"20240315T123000Z"},
			"X-Multi":      {"  one  ", "two   three"},
			"x-odd-case":   {"stored non-canonically"},
			"X-Empty":      {""},
			"Content-Type": {"\tapplication/json "},
		},
	}
	got := string(appendCanonicalHeaders(nil, r,
		"content-length;content-type;host;transfer-encoding;x-absent;X-Amz-Date;x-empty;x-multi;x-odd-case"))
	want := "content-length:42\n" +
		"content-type:application/json\n" +
		"host:example.com:8080\n" +
		"transfer-encoding:chunked\n" +
		"x-absent:\n" +
		"x-amz-date:20240315T123000Z\n" +
		"x-empty:\n" +
		"x-multi:one,two three\n" +
		"x-odd-case:stored non-canonically\n"
	if got != want {
		t.Errorf("canonical headers:\n%s\nwant:\n%s", got, want)
	}
}

func TestHasPresignParams(t *testing.T) {
	tests := []struct {
		raw  string
		want bool
	}{
		{"", false},
		{"Action=ListUsers", false},
		{"X-Amz-Date=x", false},
		{"X-Amz-Signature=abc", true},
		{"a=1&X-Amz-Algorithm=AWS4-HMAC-SHA256", true},
		{"X-Amz-Credential=a%2Fb", true},
		{"X%2DAmz-Credential=a", true},
	}
	for _, tt := range tests {
		if got := hasPresignParams(tt.raw); got != tt.want {
			t.Errorf("hasPresignParams(%q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}
