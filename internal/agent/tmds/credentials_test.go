package tmds

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestCredentials(t *testing.T) {
	e := newTestEnv(t)
	e.a.CredentialsID = "1b2c3d4e-5f60-4711-8899-aabbccddeeff"
	e.src.creds[taskIDA] = &Credentials{
		RoleArn:     "arn:aws:iam::123456789012:role/app",
		AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", Token: "token",
		Expiration: time.Date(2025, 7, 21, 18, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
	}
	e.b.CredentialsID = "9f8e7d6c-0000-4000-8000-000000000001"
	e.src.creds[taskIDB] = &Credentials{} // not yet fetched
	c := fixtureTask("11111111111111111111111111111111", "172.31.42.191")
	c.CredentialsID = "c0c0c0c0-0000-4000-8000-000000000002" // the source has none for it
	e.src.tasks = append(e.src.tasks, c)
	const ok = `{"RoleArn":"arn:aws:iam::123456789012:role/app","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"secret","Token":"token","Expiration":"2025-07-21T16:00:00Z"}`
	tests := []struct {
		name, caller, path string
		status             int
		body               string
	}{
		{"v2", addrA, "/v2/credentials/1b2c3d4e-5f60-4711-8899-aabbccddeeff", 200, ok},
		{"v1", addrA, "/v1/credentials?id=1b2c3d4e-5f60-4711-8899-aabbccddeeff", 200, ok},
		{"unknown", addrA, "/v2/credentials/nope", 400, `{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}`},
		{"v1 unknown", addrA, "/v1/credentials?id=nope", 400, `{"code":"InvalidIdInRequest","message":"CredentialsV1Request: Credentials not found","HTTPErrorCode":400}`},
		{"another task", addrB, "/v2/credentials/1b2c3d4e-5f60-4711-8899-aabbccddeeff", 400, `{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}`},
		{"not a task", "10.9.9.9", "/v2/credentials/1b2c3d4e-5f60-4711-8899-aabbccddeeff", 400, `{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}`},
		{"no id", addrA, "/v2/credentials/", 400, `{"code":"NoIdInRequest","message":"CredentialsV2Request: No Credential ID in the request","HTTPErrorCode":400}`},
		{"no id at all", addrA, "/v2/credentials", 400, `{"code":"NoIdInRequest","message":"CredentialsV2Request: No Credential ID in the request","HTTPErrorCode":400}`},
		{"v1 no id", addrA, "/v1/credentials", 400, `{"code":"NoIdInRequest","message":"CredentialsV1Request: No Credential ID in the request","HTTPErrorCode":400}`},
		{"a prefix of the id", addrA, "/v2/credentials/1b2c3d4e", 400, `{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}`},
		{"not yet fetched", addrB, "/v2/credentials/9f8e7d6c-0000-4000-8000-000000000001", 503, `{"code":"CredentialsUninitialized","message":"CredentialsV2Request: Credentials uninitialized for ID","HTTPErrorCode":503}`},
		{"not yet fetched, another task", addrA, "/v2/credentials/9f8e7d6c-0000-4000-8000-000000000001", 400, `{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}`},
		{"none in the source", "172.31.42.191", "/v2/credentials/c0c0c0c0-0000-4000-8000-000000000002", 400, `{"code":"InvalidIdInRequest","message":"CredentialsV2Request: Credentials not found","HTTPErrorCode":400}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.get(tt.caller, tt.path)
			if w.Code != tt.status || w.Body.String() != tt.body || w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("GET %s from %s:\n got %d %s (%s)\nwant %d %s", tt.path, tt.caller, w.Code, w.Body, w.Header().Get("Content-Type"), tt.status, tt.body)
			}
		})
	}

	e.src.credsErr = errors.New("etcd unavailable")
	w := e.get(addrA, "/v2/credentials/1b2c3d4e-5f60-4711-8899-aabbccddeeff")
	if want := `{"code":"InternalServerError","message":"Internal server error","HTTPErrorCode":500}`; w.Code != http.StatusInternalServerError || w.Body.String() != want {
		t.Errorf("lookup failure: %d %s", w.Code, w.Body)
	}
}

func TestCredentialsTaskWithoutRole(t *testing.T) {
	e := newTestEnv(t) // A has no CredentialsID
	e.src.creds[taskIDA] = &Credentials{AccessKeyID: "ASIAEXAMPLE"}
	for _, path := range []string{"/v2/credentials/x", "/v1/credentials?id=x"} {
		if w := e.get(addrA, path); w.Code != http.StatusBadRequest {
			t.Errorf("%s from a task without a role: %d %s", path, w.Code, w.Body)
		}
	}
}
