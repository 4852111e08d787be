package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"
)

// runReset asks a running server to delete every resource of the default
// account, signing the request with the root key from the data dir.
func runReset(args []string) error {
	fs := flag.NewFlagSet("berth reset", flag.ExitOnError)
	dataDir := dataDirFlag(fs)
	endpoint := fs.String("endpoint", "", "server endpoint (default: the one the server recorded in the data dir)")
	_ = fs.Parse(args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := adminCall(ctx, *dataDir, *endpoint, http.MethodPost, "/_berth/reset", bytes.NewReader([]byte("{}")))
	if err != nil {
		return err
	}
	fmt.Print(string(out))
	return nil
}
