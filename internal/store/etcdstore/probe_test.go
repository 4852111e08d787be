package etcdstore

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap"
)

func probeStart(t *testing.T, dir string, peer, adv url.URL, client url.URL) (*embed.Etcd, error) {
	cfg := embed.NewConfig()
	cfg.Name = "berth"
	cfg.Dir = dir
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewExample(zap.IncreaseLevel(zap.WarnLevel)))
	cfg.LogLevel = "warn"
	if peer.Scheme != "" {
		cfg.ListenPeerUrls = []url.URL{peer}
	} else {
		cfg.ListenPeerUrls = nil
	}
	cfg.AdvertisePeerUrls = []url.URL{adv}
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{adv}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.EnableGRPCGateway = false
	t.Logf("initial cluster %q", cfg.InitialCluster)
	start := time.Now()
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	t.Logf("started in %v", time.Since(start))
	c := v3client.New(e.Server)
	if _, err := c.Put(context.Background(), "a", "b"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	return e, nil
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	client, _ := url.Parse("unix://" + filepath.Join(dir, "etcd.sock"))
	adv1, _ := url.Parse("unix://localhost:1")
	e, err := probeStart(t, dir, url.URL{}, *adv1, *client)
	t.Logf("no peer: err=%v", err)
	if e != nil {
		t.Logf("clients %v", e.Clients[0].Addr())
		e.Close()
	}
	adv2, _ := url.Parse("http://127.0.0.1:7")
	e, err = probeStart(t, dir, url.URL{}, *adv2, *client)
	t.Logf("restart changed adv: err=%v", err)
	if e != nil {
		e.Close()
	}
	peer3 := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	client3 := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	e, err = probeStart(t, dir, peer3, peer3, client3)
	t.Logf("restart tcp :0: err=%v", err)
	if e != nil {
		t.Logf("peer addr %v client addr %v", e.Peers[0].Addr(), e.Clients[0].Addr())
		e.Close()
	}
}
