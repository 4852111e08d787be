package ecs

import (
	"testing"
)

func TestFargateSizes(t *testing.T) {
	tests := []struct {
		cpu, mem int
		want     bool
	}{
		// 256: 512, 1024 or 2048 only.
		{256, 512, true},
		{256, 1024, true},
		{256, 2048, true},
		{256, 1536, false},
		{256, 256, false},
		{256, 3072, false},
		{256, 4096, false},
		// 512: 1024 to 4096 in 1024 steps.
		{512, 512, false},
		{512, 1024, true},
		{512, 2048, true},
		{512, 4096, true},
		{512, 1536, false},
		{512, 5120, false},
		// 1024: 2048 to 8192 in 1024 steps.
		{1024, 1024, false},
		{1024, 2048, true},
		{1024, 3072, true},
		{1024, 8192, true},
		{1024, 2560, false},
		{1024, 9216, false},
		// 2048: 4096 to 16384 in 1024 steps.
		{2048, 3072, false},
		{2048, 4096, true},
		{2048, 5120, true},
		{2048, 16384, true},
		{2048, 4608, false},
		{2048, 17408, false},
		// 4096: 8192 to 30720 in 1024 steps.
		{4096, 7168, false},
		{4096, 8192, true},
		{4096, 9216, true},
		{4096, 30720, true},
		{4096, 8704, false},
		{4096, 31744, false},
		// 8192: 16384 to 61440 in 4096 steps.
		{8192, 12288, false},
		{8192, 16384, true},
		{8192, 20480, true},
		{8192, 61440, true},
		{8192, 17408, false},
		{8192, 65536, false},
		// 16384: 32768 to 122880 in 8192 steps.
		{16384, 24576, false},
		{16384, 32768, true},
		{16384, 40960, true},
		{16384, 122880, true},
		{16384, 36864, false},
		{16384, 131072, false},
		// No such cpu.
		{128, 512, false},
		{768, 2048, false},
		{32768, 65536, false},
		{0, 0, false},
	}
	for _, tt := range tests {
		if got := fargateSizeValid(tt.cpu, tt.mem); got != tt.want {
			t.Errorf("fargateSizeValid(%d, %d) = %v, want %v", tt.cpu, tt.mem, got, tt.want)
		}
	}
}

// TestFargateSizeUnits checks sizes written with units end up at the same
// Fargate configurations.
func TestFargateSizeUnits(t *testing.T) {
	tests := []struct {
		cpu, mem string
		want     bool
	}{
		{"0.25 vCPU", "0.5 GB", true},
		{".25 vcpu", "512", true},
		{"256", "1GB", true},
		{"0.5 vCPU", "4 GB", true},
		{"1vCPU", "2gb", true},
		{"1 VCPU", "8 GB", true},
		{"2 vCPU", "16 GB", true},
		{"4 vCPU", "30 GB", true},
		{"8 vCPU", "60 GB", true},
		{"16 vCPU", "120 GB", true},
		{"16 vCPUs", "120GB", true},
		{"0.25 vCPU", "4 GB", false},
		{"1 vCPU", "1 GB", false},
		{"8 vCPU", "17 GB", false},
		{"16 vCPU", "121 GB", false},
	}
	for _, tt := range tests {
		cpu, err := parseTaskCPU(tt.cpu)
		if err != nil {
			t.Errorf("parseTaskCPU(%q): %v", tt.cpu, err)
			continue
		}
		mem, err := parseTaskMemory(tt.mem)
		if err != nil {
			t.Errorf("parseTaskMemory(%q): %v", tt.mem, err)
			continue
		}
		if got := fargateSizeValid(cpu, mem); got != tt.want {
			t.Errorf("%q/%q (%d CPU, %d MiB): valid = %v, want %v", tt.cpu, tt.mem, cpu, mem, got, tt.want)
		}
	}
}

func TestTaskDefParseCPU(t *testing.T) {
	tests := []struct {
		in   string
		want int // 0: error
	}{
		{"1024", 1024},
		{" 256 ", 256},
		{"128", 128},
		{"1 vCPU", 1024},
		{"1vCPU", 1024},
		{"1 vcpu", 1024},
		{"2 VCPU", 2048},
		{"0.5 vCPU", 512},
		{"0.25 vCPU", 256},
		{".125 vCPU", 128},
		{"16 vCPUs", 16384},
		{"", 0},
		{"vCPU", 0},
		{"lots", 0},
		{"0", 0},
		{"-256", 0},
		{"1.5", 0},          // bare values are whole CPU units
		{"0.3 vCPU", 0},     // 307.2 units
		{"1e1 vCPU", 0},     // no exponents
		{"0x1 vCPU", 0},     // no hex
		{"Inf vCPU", 0},     // not a number
		{"-1 vCPU", 0},      // negative
		{"1 GB", 0},         // a memory unit
		{"3000000 vCPU", 0}, // beyond int32
	}
	for _, tt := range tests {
		got, err := parseTaskCPU(tt.in)
		switch {
		case tt.want == 0 && err == nil:
			t.Errorf("parseTaskCPU(%q) = %d, want an error", tt.in, got)
		case tt.want != 0 && (err != nil || got != tt.want):
			t.Errorf("parseTaskCPU(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestTaskDefParseMemory(t *testing.T) {
	tests := []struct {
		in   string
		want int // 0: error
	}{
		{"2048", 2048},
		{"512", 512},
		{"2 GB", 2048},
		{"2GB", 2048},
		{"2gb", 2048},
		{"0.5 GB", 512},
		{"30 GB", 30720},
		{"120 GB", 122880},
		{"", 0},
		{"GB", 0},
		{"0", 0},
		{"-1 GB", 0},
		{"1.5", 0},         // bare values are whole MiB
		{"0.0001 GB", 0},   // not a whole MiB
		{"2 TB", 0},        // unknown unit
		{"2048 MiB", 0},    // MiB are written without a unit
		{"1 vCPU", 0},      // a cpu unit
		{"9999999 GB", 0},  // beyond int32
		{"NaN GB", 0},      // not a number
		{"1_024", 0},       // no digit separators
		{"4294967296", 0},  // beyond int32
		{"99999999999", 0}, // beyond int32
	}
	for _, tt := range tests {
		got, err := parseTaskMemory(tt.in)
		switch {
		case tt.want == 0 && err == nil:
			t.Errorf("parseTaskMemory(%q) = %d, want an error", tt.in, got)
		case tt.want != 0 && (err != nil || got != tt.want):
			t.Errorf("parseTaskMemory(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestFargateECRImage(t *testing.T) {
	tests := []struct {
		image string
		want  bool
	}{
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1", true},
		{"123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/web@sha256:abc", true},
		{"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web", true},
		{"public.ecr.aws/nginx/nginx:1.27", false},
		{"nginx", false},
		{"docker.io/library/nginx", false},
		{"12345.dkr.ecr.us-east-1.amazonaws.com/web", false},
		{"123456789012.dkr.ecr.us-east-1.example.com/web", false},
	}
	for _, tt := range tests {
		if got := isPrivateECRImage(tt.image); got != tt.want {
			t.Errorf("isPrivateECRImage(%q) = %v, want %v", tt.image, got, tt.want)
		}
	}
}
