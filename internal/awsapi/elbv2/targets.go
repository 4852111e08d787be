package elbv2

import (
	"cmp"
	"context"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/awsapi/elbv2/elbv2types"
	"github.com/berth-dev/berth/internal/store"
)

// maxTargets is AWS's default quota of targets per target group.
const maxTargets = 1000

// RegisterTargets registers IP targets with a target group. Each address
// must be in a subnet of the group's VPC; its Availability Zone is that
// subnet's. Registering a draining target again stops its draining.
func (s *Service) RegisterTargets(ctx context.Context, in *elbv2types.RegisterTargetsInput) (*elbv2types.RegisterTargetsOutput, error) {
	if err := s.changeTargets(ctx, in.TargetGroupArn, in.Targets, s.registerTargets); err != nil {
		return nil, err
	}
	return &elbv2types.RegisterTargetsOutput{}, nil
}

// DeregisterTargets deregisters targets: each drains for the group's
// deregistration delay, then is gone. Targets not registered are ignored,
// as in AWS.
func (s *Service) DeregisterTargets(ctx context.Context, in *elbv2types.DeregisterTargetsInput) (*elbv2types.DeregisterTargetsOutput, error) {
	if err := s.changeTargets(ctx, in.TargetGroupArn, in.Targets, s.deregisterTargets); err != nil {
		return nil, err
	}
	return &elbv2types.DeregisterTargetsOutput{}, nil
}

// targetsChange is registerTargets or deregisterTargets: a change to a
// target group's targets, checked by the caller.
type targetsChange func(ctx context.Context, sc scope, ref tgRef, targets []elbv2types.TargetDescription) error

// changeTargets checks a RegisterTargets or DeregisterTargets request and
// makes the change.
func (s *Service) changeTargets(ctx context.Context, arn string, targets []elbv2types.TargetDescription, change targetsChange) error {
	sc := scopeOf(ctx)
	if err := checkTargetsInput(arn, targets); err != nil {
		return err
	}
	ref, err := sc.parseTGARN(arn)
	if err != nil {
		return err
	}
	return change(ctx, sc, ref, targets)
}

func checkTargetsInput(arn string, targets []elbv2types.TargetDescription) error {
	var v violations
	v.required(arn != "", "targetGroupArn")
	v.required(targets != nil, "targets")
	for i, t := range targets {
		at := "targets." + strconv.Itoa(i+1) + ".member."
		v.required(t.Id != "", at+"id")
		v.between(t.Port, at+"port", 1, 65535)
	}
	return v.err()
}

// parseTargetIP reads a target's Id as an IPv4 address.
func parseTargetIP(id string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(id)
	if err != nil || !ip.Is4() {
		return netip.Addr{}, validation("The IP address '%s' is not a valid IPv4 address", id)
	}
	return ip, nil
}

// targetZone finds the Availability Zone of a target's address: that of
// its subnet in the VPC. AWS's rules on the zone given with it apply;
// addresses outside the VPC are refused, as berth routes only inside it.
func targetZone(vpc *VPC, ip netip.Addr, az string) (string, error) {
	inVPC := slices.ContainsFunc(vpc.CIDRs, func(p netip.Prefix) bool { return p.Contains(ip) })
	if !inVPC {
		if az == "" {
			return "", validation("The Availability Zone is required for IP address '%s' because it is not in the VPC", ip)
		}
		return "", elbError(elbv2types.ErrInvalidTargetException,
			"The IP address '%s' is outside the target group's VPC '%s': berth routes only to targets inside the VPC", ip, vpc.ID)
	}
	i := slices.IndexFunc(vpc.Subnets, func(s Subnet) bool { return s.CIDR.Contains(ip) })
	if i < 0 {
		return "", elbError(elbv2types.ErrInvalidTargetException, "The IP address '%s' is not in any subnet of VPC '%s'", ip, vpc.ID)
	}
	zone := vpc.Subnets[i].AvailabilityZone
	if az != "" && az != zone {
		return "", validation("The IP address '%s' is within the VPC, and cannot have its Availability Zone overridden to '%s' from '%s'", ip, az, zone)
	}
	return zone, nil
}

func (s *Service) registerTargets(ctx context.Context, sc scope, ref tgRef, targets []elbv2types.TargetDescription) error {
	rec, _, err := s.getTG(ctx, sc, ref)
	if err != nil {
		return err
	}
	vpc, err := s.net.VPC(ctx, sc.account, sc.region, rec.TargetGroup.VpcId)
	if err != nil {
		return networkError(err, "reading the target group's VPC")
	}
	if vpc == nil {
		return elbError(elbv2types.ErrInvalidTargetException, "The target group's VPC '%s' no longer exists", rec.TargetGroup.VpcId)
	}
	now := s.now()
	var add []targetRecord
	for _, t := range targets {
		ip, err := parseTargetIP(t.Id)
		if err != nil {
			return err
		}
		zone, err := targetZone(vpc, ip, t.AvailabilityZone)
		if err != nil {
			return err
		}
		add = append(add, targetRecord{IP: ip.String(), Port: targetPort(rec, t.Port), AvailabilityZone: zone, RegisteredAt: now})
	}
	_, err = s.mutateTG(ctx, sc, ref, func(r *tgRecord) error {
		r.Targets = slices.DeleteFunc(r.Targets, func(t targetRecord) bool { return t.gone(now) })
		for _, t := range add {
			if i := r.targetIndex(t.IP, t.Port); i >= 0 {
				if r.Targets[i].DrainUntil != nil {
					r.Targets[i].DrainUntil, r.Targets[i].RegisteredAt = nil, now
				}
				continue
			}
			r.Targets = append(r.Targets, t)
		}
		if len(r.Targets) > maxTargets {
			return elbError(elbv2types.ErrTooManyTargetsException, "A target group can have at most %d targets", maxTargets)
		}
		sortTargets(r.Targets)
		return nil
	})
	return err
}

func (s *Service) deregisterTargets(ctx context.Context, sc scope, ref tgRef, targets []elbv2types.TargetDescription) error {
	for _, t := range targets {
		if _, err := netip.ParseAddr(t.Id); err != nil {
			return elbError(elbv2types.ErrInvalidTargetException, "The target '%s' is not a valid IP address", t.Id)
		}
	}
	now := s.now()
	_, err := s.mutateTG(ctx, sc, ref, func(r *tgRecord) error {
		delay := time.Duration(tgAttributeInt(r, attrDeregistrationDelay)) * time.Second
		until := now.Add(delay)
		for _, t := range targets {
			ip, _ := netip.ParseAddr(t.Id)
			i := r.targetIndex(ip.String(), targetPort(r, t.Port))
			if i < 0 || r.Targets[i].DrainUntil != nil && r.Targets[i].DrainUntil.Before(until) {
				continue
			}
			r.Targets[i].DrainUntil = &until
		}
		r.Targets = slices.DeleteFunc(r.Targets, func(t targetRecord) bool { return t.gone(now) })
		return nil
	})
	return err
}

// targetPort is a target's port: the one given, else the group's.
func targetPort(r *tgRecord, port *int32) int32 {
	if port != nil {
		return *port
	}
	if r.TargetGroup.Port != nil {
		return *r.TargetGroup.Port
	}
	return 0
}

func (r *tgRecord) targetIndex(ip string, port int32) int {
	return slices.IndexFunc(r.Targets, func(t targetRecord) bool { return t.IP == ip && t.Port == port })
}

func sortTargets(ts []targetRecord) {
	slices.SortFunc(ts, func(a, b targetRecord) int {
		ia, _ := netip.ParseAddr(a.IP)
		ib, _ := netip.ParseAddr(b.IP)
		return cmp.Or(ia.Compare(ib), cmp.Compare(a.Port, b.Port))
	})
}

// DescribeTargetHealth reports the health of a target group's targets,
// or of those asked for (unused, Target.NotRegistered, for one that is
// not registered).
func (s *Service) DescribeTargetHealth(ctx context.Context, in *elbv2types.DescribeTargetHealthInput) (*elbv2types.DescribeTargetHealthOutput, error) {
	sc := scopeOf(ctx)
	var v violations
	v.required(in.TargetGroupArn != "", "targetGroupArn")
	for i, inc := range in.Include {
		v.enum(inc, "include."+strconv.Itoa(i+1)+".member", elbv2types.DescribeTargetHealthInputIncludeEnumValues)
	}
	for i, t := range in.Targets {
		at := "targets." + strconv.Itoa(i+1) + ".member."
		v.required(t.Id != "", at+"id")
		v.between(t.Port, at+"port", 1, 65535)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	rec, err := tgKind.byARN(ctx, s.store, sc, in.TargetGroupArn)
	if err != nil {
		return nil, err
	}
	live, health, err := s.liveTargets(ctx, sc, rec)
	if err != nil {
		return nil, err
	}
	describe := func(t *targetRecord, h Health) elbv2types.TargetHealthDescription {
		port := t.Port
		return elbv2types.TargetHealthDescription{
			Target:          &elbv2types.TargetDescription{Id: t.IP, Port: &port, AvailabilityZone: t.AvailabilityZone},
			HealthCheckPort: healthCheckPort(rec, t.Port),
			TargetHealth:    h.shape(),
		}
	}
	out := &elbv2types.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbv2types.TargetHealthDescription{}}
	if in.Targets == nil {
		for i := range live {
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, describe(&live[i], health(&live[i])))
		}
		return out, nil
	}
	for _, want := range in.Targets {
		ip, err := netip.ParseAddr(want.Id)
		if err != nil {
			return nil, elbError(elbv2types.ErrInvalidTargetException, "The target '%s' is not a valid IP address", want.Id)
		}
		found := false
		for i := range live {
			if live[i].IP == ip.String() && (want.Port == nil || *want.Port == live[i].Port) {
				found = true
				out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, describe(&live[i], health(&live[i])))
			}
		}
		if !found {
			t := targetRecord{IP: ip.String(), Port: targetPort(rec, want.Port), AvailabilityZone: want.AvailabilityZone}
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, describe(&t, healthNotRegistered))
		}
	}
	return out, nil
}

// healthCheckPort is the port a target is checked on.
func healthCheckPort(r *tgRecord, targetPort int32) string {
	if p := r.TargetGroup.HealthCheckPort; p != "" && p != defaultHealthPort {
		return p
	}
	return strconv.Itoa(int(targetPort))
}

// Expire removes, in every account and region, the targets whose
// deregistration delay has passed at now, and returns how many it
// removed. The server runs it every few seconds; until it does, such
// targets are already hidden from every answer and from Snapshot.
func (s *Service) Expire(ctx context.Context, now time.Time) (int, error) {
	var keys []string
	err := s.tgs().Scan(ctx, "/"+kindTargetGroup+"/", "", func(obj store.Object, r *tgRecord) bool {
		if slices.ContainsFunc(r.Targets, func(t targetRecord) bool { return t.gone(now) }) {
			keys = append(keys, obj.Key)
		}
		return true
	})
	if err != nil {
		return 0, internal("scanning target groups", err)
	}
	removed := 0
	for _, key := range keys {
		n := 0
		_, _, err := s.tgs().Mutate(ctx, key, func(r *tgRecord) error {
			before := len(r.Targets)
			r.Targets = slices.DeleteFunc(r.Targets, func(t targetRecord) bool { return t.gone(now) })
			n = before - len(r.Targets)
			return nil
		})
		switch {
		case err == nil:
			removed += n
		case !isNotFound(err):
			return removed, internal("expiring drained targets", err)
		}
	}
	return removed, nil
}
