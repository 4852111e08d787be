package testimage

import "testing"

func TestParseName(t *testing.T) {
	tests := []struct {
		in                  string
		full, familiar, tag string
		wantErr             bool
	}{
		{in: "berth-test/app:latest", full: "docker.io/berth-test/app:latest", familiar: "berth-test/app:latest", tag: "latest"},
		{in: "berth-test/app", full: "docker.io/berth-test/app:latest", familiar: "berth-test/app:latest", tag: "latest"},
		{in: "busybox:1.35", full: "docker.io/library/busybox:1.35", familiar: "busybox:1.35", tag: "1.35"},
		{in: "localhost:5000/x/y:v1", full: "localhost:5000/x/y:v1", familiar: "localhost:5000/x/y:v1", tag: "v1"},
		{in: "localhost/x", full: "localhost/x:latest", familiar: "localhost/x:latest", tag: "latest"},
		{in: "123456789012.dkr.ecr.us-east-1.localhost:4566/repo:t_1",
			full:     "123456789012.dkr.ecr.us-east-1.localhost:4566/repo:t_1",
			familiar: "123456789012.dkr.ecr.us-east-1.localhost:4566/repo:t_1", tag: "t_1"},
		{in: "Berth/app", wantErr: true},
		{in: "app@sha256:abc", wantErr: true},
		{in: "app:", wantErr: true},
		{in: "a//b", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := parseName(tc.in)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parseName(%q) = %+v, want an error", tc.in, r)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Full != tc.full || r.Familiar != tc.familiar || r.Tag != tc.tag {
				t.Errorf("parseName(%q) = %+v", tc.in, r)
			}
		})
	}
}
