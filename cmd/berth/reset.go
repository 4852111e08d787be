package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/berth-dev/berth/internal/server"
)

// runReset asks a running server to delete every resource of the default
// account, signing the request with the root key from the data dir.
func runReset(args []string) error {
	fs := flag.NewFlagSet("berth reset", flag.ExitOnError)
	dataDir := dataDirFlag(fs)
	endpoint := fs.String("endpoint", "", "server endpoint (default: the one the server recorded in the data dir)")
	_ = fs.Parse(args)
	creds, err := server.ReadCredentials(*dataDir)
	if err != nil {
		return err
	}
	if *endpoint == "" {
		*endpoint = creds.Endpoint
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body := []byte("{}")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, *endpoint+"/_berth/reset", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "berth", creds.Region, time.Now())
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset failed: %s: %s", resp.Status, bytes.TrimSpace(out))
	}
	fmt.Print(string(out))
	return nil
}
