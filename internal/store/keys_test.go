package store

import (
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"one id", Key("cluster", "123456789012", "us-east-1", "default"), "/cluster/123456789012/us-east-1/default"},
		{"hierarchy", Key("task", "123456789012", "us-east-1", "default", "0123abcd"), "/task/123456789012/us-east-1/default/0123abcd"},
		{"no id", Key("vpc", "1", "eu-west-1"), "/vpc/1/eu-west-1"},
		{"prefix", Prefix("task", "123456789012", "us-east-1"), "/task/123456789012/us-east-1/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestPrefixContainsOnlyItsKeys(t *testing.T) {
	p := Prefix("cluster", "1234", "us-east-1")
	if !strings.HasPrefix(Key("cluster", "1234", "us-east-1", "x"), p) {
		t.Errorf("key of account 1234 not under %q", p)
	}
	if strings.HasPrefix(Key("cluster", "12345", "us-east-1", "x"), p) {
		t.Errorf("key of account 12345 under %q", p)
	}
}
