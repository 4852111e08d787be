// Package apitest drives the real `berth server` binary with aws-sdk-go-v2,
// as a user's program would: every operation, its validation errors,
// pagination and persistence.
package apitest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go"

	"github.com/berth-dev/berth/internal/testutil"
)

var srv *testutil.Server

func TestMain(m *testing.M) {
	// These tests exercise the API only; test/tasktest runs real tasks.
	os.Setenv("BERTH_NO_AGENT", "true")
	os.Exit(testutil.Shared(m, &srv))
}

// ecsClient returns an ECS client in a region of the test's own, so tests
// sharing the server never see each other's resources.
func ecsClient(t *testing.T) (*ecs.Client, string) {
	t.Helper()
	region := testutil.Region(t)
	return ecs.NewFromConfig(srv.AWSConfig(region)), region
}

// wantAPIError asserts err is the AWS error code with msg in its message.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s: %s", code, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	if !strings.Contains(apiErr.ErrorMessage(), msg) {
		t.Fatalf("want %s message containing %q, got %q", code, msg, apiErr.ErrorMessage())
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var ctx = context.Background()
