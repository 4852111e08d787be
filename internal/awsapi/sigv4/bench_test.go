package sigv4

import (
	"context"
	"net/http"
	"testing"
)

// BenchmarkVerify measures the hot path: an ECS call signed by the Go SDK,
// key cached, lookup free. The target is well above 5,000 verifications a
// second on two cores.
func BenchmarkVerify(b *testing.B) {
	cases := []struct {
		name  string
		build func(t testing.TB) (*http.Request, []byte)
	}{
		{"json", func(t testing.TB) (*http.Request, []byte) { return ecsRequest(t, permCreds, signTime) }},
		{"json-session-token", func(t testing.TB) (*http.Request, []byte) { return ecsRequest(t, tempCreds, signTime) }},
		{"query-string", signed(http.MethodGet, "https://ec2.us-east-1.amazonaws.com/?Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-1&Filter.1.Name=tag%3AName",
			nil, nil, permCreds, "ec2", "us-east-1")},
		{"presigned", presigned(stsPresignURL+"&X-Amz-Expires=60", nil, tempCreds, "sts", nil)},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			r, body := bc.build(b)
			v := newVerifier(signTime)
			ctx := context.Background()
			if _, err := v.Verify(ctx, r, body); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := v.Verify(ctx, r, body); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// TestVerifyAllocations pins the promise that a header-signed request
// with a cached key does not allocate.
func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector (sync.Pool drops items)")
	}
	r, body := ecsRequest(t, tempCreds, signTime)
	v := newVerifier(signTime)
	ctx := context.Background()
	if _, err := v.Verify(ctx, r, body); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := v.Verify(ctx, r, body); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0 {
		t.Errorf("Verify allocates %.1f times per call, want 0", allocs)
	}
}
