// Command buildimage writes berth's standard test image archive
// (berth-test/app:latest) into a directory and prints its path, for shell
// scripts: go run ./internal/testutil/testimage/buildimage DIR
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/berth-dev/berth/internal/testutil/testimage"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: buildimage DIR")
		os.Exit(2)
	}
	path, err := testimage.Default(context.Background(), os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "buildimage:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}
