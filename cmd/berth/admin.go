package main

import (
	"context"
	"io"

	"github.com/berth-dev/berth/internal/adminclient"
	"github.com/berth-dev/berth/internal/server"
)

// adminCall calls a /_berth/ endpoint as the root user recorded in the
// data dir; endpoint overrides the recorded one when set.
func adminCall(ctx context.Context, dataDir, endpoint, method, path string, body io.ReadSeeker) ([]byte, error) {
	creds, err := server.ReadCredentials(dataDir)
	if err != nil {
		return nil, err
	}
	if endpoint == "" {
		endpoint = creds.Endpoint
	}
	return adminclient.Call(ctx, adminclient.Key{Endpoint: endpoint, Region: creds.Region,
		AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, method, path, body)
}
