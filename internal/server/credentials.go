package server

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Credentials is how a client reaches the server as the root principal. The
// server writes it to the data dir (mode 0600) on every start so `berth
// credentials` and `berth reset` can find it without the server's help.
type Credentials struct {
	Endpoint        string `json:"endpoint"`
	Region          string `json:"region"`
	AccountID       string `json:"accountId"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
}

const credentialsFile = "root-credentials.json"

// ExportLine is the shell line that points the aws CLI and SDKs at berth.
func (c Credentials) ExportLine() string {
	return fmt.Sprintf("export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s",
		c.Endpoint, c.AccessKeyID, c.SecretAccessKey, c.Region)
}

func writeCredentials(dataDir string, c Credentials) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dataDir, credentialsFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("writing credentials: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing credentials: %w", err)
	}
	return nil
}

// ReadCredentials reads what the server last wrote to dataDir.
func ReadCredentials(dataDir string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(filepath.Join(dataDir, credentialsFile))
	if err != nil {
		if os.IsNotExist(err) {
			return c, fmt.Errorf("no credentials in %s: has `berth server --data-dir %s` run?", dataDir, dataDir)
		}
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("reading %s: %w", credentialsFile, err)
	}
	return c, nil
}
