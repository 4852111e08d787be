// Command sdkapp is an ordinary aws-sdk-go-v2 program that berth's tests
// run inside a task, to show that the SDK's default configuration finds
// what berth gives a container: the region, the endpoint and, for a task
// with a role, the role's credentials from the ECS credentials endpoint.
//
// It loads the default configuration with no options, asks STS who it is
// and prints the caller's ARN on stdout. For a task with a role that is
// the role's session, arn:aws:sts::ACCOUNT:assumed-role/ROLE/TASK-ID.
//
// Exit codes, so a test can tell the failures apart without parsing text:
//
//	0  the ARN was printed
//	1  anything else failed (loading the configuration, the STS call)
//	3  the SDK's credential chain found no credentials (stderr has the
//	   SDK's error, e.g. "no EC2 IMDS role found" when the chain fell
//	   through to the instance metadata service)
//
// 2 is left out because Go uses it for panics and usage errors.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Exit codes; see the package comment.
const (
	exitOK            = 0
	exitFailed        = 1
	exitNoCredentials = 3
)

// timeout bounds the whole run, so a task whose network swallows packets
// ends with an error instead of hanging.
const timeout = 30 * time.Second

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	code := run(ctx, os.Stdout, os.Stderr)
	cancel()
	os.Exit(code)
}

// run does the program's work and returns its exit code.
func run(ctx context.Context, stdout, stderr io.Writer) int {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "sdkapp: loading the AWS configuration: %v\n", err)
		return exitFailed
	}
	// Resolve the credentials as a client would on its first call, so that
	// "the chain found nothing" is told apart from a failed STS call: the
	// SDK returns both as untyped errors. The cache keeps them for the call.
	if cfg.Credentials == nil {
		fmt.Fprintln(stderr, "sdkapp: no credentials: the SDK configured no credentials provider")
		return exitNoCredentials
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		fmt.Fprintf(stderr, "sdkapp: no credentials: %v\n", err)
		return exitNoCredentials
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintf(stderr, "sdkapp: %v\n", err)
		return exitFailed
	}
	fmt.Fprintln(stdout, aws.ToString(out.Arn))
	return exitOK
}
