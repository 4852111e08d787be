package router

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/berth-dev/berth/internal/network/namespace"
)

// describe renders the expression sequences this package builds in nft's
// words, so rules can be compared as text.
func describe(exprs []expr.Any) []string {
	var out []string
	for i := 0; i < len(exprs); i++ {
		switch e := exprs[i].(type) {
		case *expr.Meta:
			cmp, ok := next[*expr.Cmp](exprs, i+1)
			if !ok {
				return append(out, fmt.Sprintf("bad meta %v", e.Key))
			}
			i++
			switch e.Key {
			case expr.MetaKeyIIFNAME, expr.MetaKeyOIFNAME:
				name := map[expr.MetaKey]string{expr.MetaKeyIIFNAME: "iifname", expr.MetaKeyOIFNAME: "oifname"}[e.Key]
				out = append(out, fmt.Sprintf("meta %s %s", name, bytes.TrimRight(cmp.Data, "\x00")))
			case expr.MetaKeyL4PROTO:
				out = append(out, fmt.Sprintf("meta l4proto %d", cmp.Data[0]))
			case expr.MetaKeyNFPROTO:
				pl, ok1 := next[*expr.Payload](exprs, i+1)
				c2, ok2 := next[*expr.Cmp](exprs, i+2)
				if cmp.Data[0] != unix.NFPROTO_IPV4 || !ok1 || !ok2 || pl.Offset != 16 && pl.Offset != 12 || pl.Len != 4 || pl.Base != expr.PayloadBaseNetworkHeader {
					return append(out, "bad ip address match")
				}
				a, _ := netip.AddrFromSlice(c2.Data)
				out = append(out, fmt.Sprintf("ip %s %v", map[uint32]string{12: "saddr", 16: "daddr"}[pl.Offset], a))
				i += 2
			default:
				out = append(out, fmt.Sprintf("meta %v", e.Key))
			}
		case *expr.Ct:
			bw, ok1 := next[*expr.Bitwise](exprs, i+1)
			cmp, ok2 := next[*expr.Cmp](exprs, i+2)
			if e.Key != expr.CtKeySTATE && e.Key != expr.CtKeySTATUS || !ok1 || !ok2 || cmp.Op != expr.CmpOpNeq {
				return append(out, "bad ct")
			}
			out = append(out, fmt.Sprintf("ct %s %d", map[expr.CtKey]string{expr.CtKeySTATE: "state", expr.CtKeySTATUS: "status"}[e.Key], binaryutil.NativeEndian.Uint32(bw.Mask)))
			i += 2
		case *expr.Payload:
			cmp, ok := next[*expr.Cmp](exprs, i+1)
			if e.Base != expr.PayloadBaseTransportHeader || e.Offset != 2 || e.Len != 2 || !ok {
				return append(out, "bad payload")
			}
			out = append(out, fmt.Sprintf("th dport %d", binaryutil.BigEndian.Uint16(cmp.Data)))
			i++
		case *expr.Verdict:
			out = append(out, map[expr.VerdictKind]string{expr.VerdictAccept: "accept", expr.VerdictDrop: "drop"}[e.Kind])
		default:
			out = append(out, fmt.Sprintf("%T", e))
		}
	}
	return out
}

func next[T expr.Any](exprs []expr.Any, i int) (T, bool) {
	var zero T
	if i >= len(exprs) {
		return zero, false
	}
	e, ok := exprs[i].(T)
	return e, ok
}

func describeAll(rules [][]expr.Any) []string {
	var out []string
	for _, r := range rules {
		out = append(out, strings.Join(describe(r), " "))
	}
	return out
}

// TestRulesInKernel applies the table in a throwaway namespace, twice, and
// checks what the kernel holds: the same rules, once.
func TestRulesInKernel(t *testing.T) {
	needRoot(t)
	path := Path(testTaskPrefix + randHex(t, 12))
	if err := namespace.Create(path, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = namespace.Unpin(path) })
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	for range 2 {
		if err := applyRules(fd, services, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	c, err := nftables.New(nftables.WithNetNSFd(fd))
	if err != nil {
		t.Fatal(err)
	}
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil || len(tables) != 1 || tables[0].Name != TableName {
		t.Fatalf("tables %v, %v", tables, err)
	}
	for _, want := range ruleset(services, nil) {
		ch, err := c.ListChain(tables[0], want.Name)
		if err != nil {
			t.Fatal(err)
		}
		if *ch.Hooknum != *want.Hook || *ch.Policy != want.Policy {
			t.Errorf("chain %s: hook %v policy %v", want.Name, *ch.Hooknum, *ch.Policy)
		}
		rules, err := c.GetRules(tables[0], ch)
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != len(want.Rules) {
			t.Errorf("chain %s: %d rules in the kernel, want %d", want.Name, len(rules), len(want.Rules))
		}
	}
	if _, err := exec.LookPath("nft"); err == nil {
		name := strings.TrimPrefix(path, namespace.Dir+"/")
		out, err := exec.CommandContext(context.Background(), "ip", "netns", "exec", name, "nft", "list", "table", "inet", TableName).CombinedOutput()
		if err != nil {
			t.Fatalf("nft: %v\n%s", err, out)
		}
		for _, line := range []string{
			`oifname "uplink" ct state established,related accept`,
			`oifname "uplink" drop`,
			`type filter hook input priority filter; policy drop;`,
			`iifname "lo" accept`,
			`ip daddr 169.254.170.2 tcp dport 8080 accept`,
			`ip daddr 169.254.169.253 udp dport 8053 accept`,
			`iifname "uplink" ct status dnat accept`,
		} {
			if !strings.Contains(string(out), line) {
				t.Errorf("nft list lacks %q:\n%s", line, out)
			}
		}
	}
}
