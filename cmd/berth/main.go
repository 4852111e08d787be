// Command berth runs serverless containers on machines you own and speaks
// the AWS ECS-on-Fargate APIs. See README.md.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `berth: serverless containers on machines you own, speaking the AWS ECS-on-Fargate APIs.

Usage:
  berth server [flags]       run the control plane and the API endpoint
  berth credentials [flags]  print the export line for the root access key
  berth reset [flags]        delete every resource of the default account (test workflows)
  berth images load FILE     load an OCI or docker-archive image into this host's cache
  berth images ls            list the images cached on this host
  berth version              print the version

Run "berth <command> -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "server":
		err = runServer(args)
	case "credentials":
		err = runCredentials(args)
	case "reset":
		err = runReset(args)
	case "images":
		err = runImages(args)
	case "init":
		err = runInit(args)
	case "version", "--version", "-v":
		fmt.Println("berth", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "berth: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "berth:", err)
		os.Exit(1)
	}
}
