// Package bench measures berth's API against the real binary: signed
// requests per second and latency percentiles over loopback. Run with
// `make bench`; figures are reported as benchmark metrics (req/s, p50-ms,
// p99-ms), never asserted.
package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/berth-dev/berth/internal/testutil"
)

var srv *testutil.Server

func TestMain(m *testing.M) {
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() == "" {
		os.Exit(m.Run()) // no benchmarks asked for: no server needed
	}
	os.Setenv("BERTH_NO_AGENT", "true")
	os.Exit(testutil.Shared(m, &srv))
}

const families = 20

var setupOnce sync.Once

// setup registers task definitions for the read benchmarks: 20 families of
// 3 revisions each.
func setup(b *testing.B) {
	setupOnce.Do(func() {
		c := ecs.NewFromConfig(srv.AWSConfig(""))
		for f := range families {
			for range 3 {
				_, err := c.RegisterTaskDefinition(context.Background(), &ecs.RegisterTaskDefinitionInput{
					Family:                  aws.String(fmt.Sprintf("bench-%02d", f)),
					NetworkMode:             types.NetworkModeAwsvpc,
					RequiresCompatibilities: []types.Compatibility{types.CompatibilityFargate},
					Cpu:                     aws.String("256"),
					Memory:                  aws.String("512"),
					ContainerDefinitions: []types.ContainerDefinition{{
						Name: aws.String("app"), Image: aws.String("busybox"),
						PortMappings: []types.PortMapping{{ContainerPort: aws.Int32(8080)}},
						Environment:  []types.KeyValuePair{{Name: aws.String("MODE"), Value: aws.String("bench")}},
					}},
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// signedRequest is one request signed now; replaying it within the
// signature's validity window (15 minutes) is what a load generator does,
// and keeps client-side signing off the two cores the server needs.
type signedRequest struct {
	target string
	body   []byte
	header http.Header
}

func sign(b *testing.B, op, body string) signedRequest {
	req, _ := http.NewRequest(http.MethodPost, srv.Endpoint+"/", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonEC2ContainerServiceV20141113."+op)
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: srv.KeyID, SecretAccessKey: srv.Secret},
		req, hex.EncodeToString(sum[:]), "ecs", srv.Region, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return signedRequest{target: srv.Endpoint + "/", body: []byte(body), header: req.Header}
}

// load sends req from workers concurrent connections b.N times in all and
// reports throughput and latency percentiles.
func load(b *testing.B, req signedRequest, workers int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	var next atomic.Int64
	lat := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				r, _ := http.NewRequest(http.MethodPost, req.target, bytes.NewReader(req.body))
				r.Header = req.header.Clone()
				resp, err := client.Do(r)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 { return float64(all[int(float64(len(all)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func BenchmarkDescribeTaskDefinition(b *testing.B) {
	setup(b)
	load(b, sign(b, "DescribeTaskDefinition", `{"taskDefinition":"bench-07:2"}`), 16)
}

func BenchmarkDescribeTaskDefinitionLatest(b *testing.B) {
	setup(b)
	load(b, sign(b, "DescribeTaskDefinition", `{"taskDefinition":"bench-07"}`), 16)
}

func BenchmarkListTaskDefinitions(b *testing.B) {
	setup(b)
	load(b, sign(b, "ListTaskDefinitions", `{"maxResults":10,"familyPrefix":"bench-1"}`), 16)
}

func BenchmarkListTaskDefinitionsAll(b *testing.B) {
	setup(b)
	load(b, sign(b, "ListTaskDefinitions", `{}`), 16)
}

// BenchmarkSDKDescribeTaskDefinition is the same read through
// aws-sdk-go-v2, signing each request on the same machine: what a real
// client sees, with the client's own cost included.
func BenchmarkSDKDescribeTaskDefinition(b *testing.B) {
	setup(b)
	c := ecs.NewFromConfig(srv.AWSConfig(""))
	in := &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String("bench-07:2")}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.DescribeTaskDefinition(context.Background(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
