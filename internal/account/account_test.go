package account

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/berth-dev/berth/internal/awsapi/protocol"
	"github.com/berth-dev/berth/internal/store/memstore"
)

func TestBootstrapGeneratesOnceAndKeeps(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	acct, key, err := Bootstrap(ctx, s, BootstrapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[1-9][0-9]{11}$`).MatchString(acct.ID) {
		t.Fatalf("account id %q", acct.ID)
	}
	if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(key.AccessKeyID) || len(key.SecretAccessKey) != 40 {
		t.Fatalf("key %q / secret of %d chars", key.AccessKeyID, len(key.SecretAccessKey))
	}
	if !key.Root || key.PrincipalARN != "arn:aws:iam::"+acct.ID+":root" {
		t.Fatalf("root key %+v", key)
	}
	// A later start, even with other options, keeps the first identity.
	acct2, key2, err := Bootstrap(ctx, s, BootstrapOptions{AccountID: "111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	if acct2.ID != acct.ID || key2.AccessKeyID != key.AccessKeyID || key2.SecretAccessKey != key.SecretAccessKey {
		t.Fatalf("second bootstrap changed identity: %s/%s", acct2.ID, key2.AccessKeyID)
	}
	got, err := LookupKey(ctx, s, key.AccessKeyID)
	if err != nil || got.AccountID != acct.ID {
		t.Fatalf("lookup: %+v %v", got, err)
	}
}

func TestBootstrapFixedIdentity(t *testing.T) {
	opts := BootstrapOptions{AccountID: "123456789012", AccessKeyID: "AKIAFIXED00000000001", SecretAccessKey: "s3cr3t-for-tests"}
	acct, key, err := Bootstrap(context.Background(), memstore.New(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if acct.ID != opts.AccountID || key.AccessKeyID != opts.AccessKeyID || key.SecretAccessKey != opts.SecretAccessKey {
		t.Fatalf("got %s %s", acct.ID, key.AccessKeyID)
	}
}

func TestBootstrapRejectsBadOptions(t *testing.T) {
	for name, opts := range map[string]BootstrapOptions{
		"short account id":   {AccountID: "1234"},
		"letters in account": {AccountID: "12345678901a"},
		"key without secret": {AccessKeyID: "AKIAFIXED00000000001"},
		"secret without key": {SecretAccessKey: "s3cr3t-for-tests"},
		"lower-case key id":  {AccessKeyID: "akiafixed00000000001", SecretAccessKey: "s3cr3t-for-tests"},
		"short secret":       {AccessKeyID: "AKIAFIXED00000000001", SecretAccessKey: "short"},
	} {
		t.Run(name, func(t *testing.T) {
			s := memstore.New()
			if _, _, err := Bootstrap(context.Background(), s, opts); err == nil {
				t.Fatal("accepted")
			}
			if _, _, err := Bootstrap(context.Background(), s, BootstrapOptions{}); err != nil {
				t.Fatalf("a rejected start left state behind: %v", err)
			}
		})
	}
}

func TestBootstrapRace(t *testing.T) {
	s := memstore.New()
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, key, err := Bootstrap(context.Background(), s, BootstrapOptions{})
			if err != nil {
				t.Error(err)
			}
			ids[i] = key.AccessKeyID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("racing starts disagree on the root key: %v", ids)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	_, key, err := Bootstrap(ctx, s, BootstrapOptions{AccountID: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(s)
	sign := func(secret, service string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "http://berth.test/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters")
		err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: secret}, r,
			"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", service, "eu-north-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	p, region, perr := a.Authenticate(ctx, sign(key.SecretAccessKey, "ecs"), []byte("{}"), protocol.AWSJSON11)
	if perr != nil {
		t.Fatal(perr)
	}
	if !p.Root || p.AccountID != "123456789012" || region != "eu-north-1" {
		t.Fatalf("principal %+v region %s", p, region)
	}
	_, _, perr = a.Authenticate(ctx, sign("wrong", "ecs"), []byte("{}"), protocol.AWSJSON11)
	if perr == nil || perr.Code != "InvalidSignatureException" {
		t.Fatalf("json wrong secret: %v", perr)
	}
	_, _, perr = a.Authenticate(ctx, sign("wrong", "sts"), []byte("{}"), protocol.AWSQuery)
	if perr == nil || perr.Code != "SignatureDoesNotMatch" {
		t.Fatalf("query wrong secret: %v", perr)
	}
}
