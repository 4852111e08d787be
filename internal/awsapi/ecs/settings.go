package ecs

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
	"github.com/berth-dev/berth/internal/store"
)

// Account settings are per region and per principal, with an account
// default beneath and AWS's default beneath that. The root user's own
// setting is the account default, as in ECS.

const settingContainerInsights = "containerInsights"

// accountSettingDefaults are AWS's defaults for a new account today.
var accountSettingDefaults = map[string]string{
	"serviceLongArnFormat":            "enabled",
	"taskLongArnFormat":               "enabled",
	"containerInstanceLongArnFormat":  "enabled",
	"awsvpcTrunking":                  "disabled",
	"containerInsights":               "disabled",
	"fargateFIPSMode":                 "disabled",
	"tagResourceAuthorization":        "on",
	"fargateTaskRetirementWaitPeriod": "7",
	"guardDutyActivate":               "off",
	"defaultLogDriverMode":            "non-blocking",
	"fargateEventWindows":             "disabled",
}

// accountSettingValues are the values each setting accepts.
var accountSettingValues = map[string][]string{
	"serviceLongArnFormat":            {"enabled", "disabled"},
	"taskLongArnFormat":               {"enabled", "disabled"},
	"containerInstanceLongArnFormat":  {"enabled", "disabled"},
	"awsvpcTrunking":                  {"enabled", "disabled"},
	"containerInsights":               {"enabled", "disabled", "enhanced"},
	"fargateFIPSMode":                 {"enabled", "disabled"},
	"tagResourceAuthorization":        {"on", "off"},
	"fargateTaskRetirementWaitPeriod": {"0", "7", "14"},
	"guardDutyActivate":               {"on", "off"},
	"defaultLogDriverMode":            {"blocking", "non-blocking"},
	"fargateEventWindows":             {"enabled", "disabled"},
}

const defaultPrincipal = "default"

func (s *Service) settings() store.Typed[ecstypes.Setting] {
	return store.Typed[ecstypes.Setting]{S: s.store}
}

func settingKey(sc scope, principal, name string) string {
	return store.Key(kindSetting, sc.account, sc.region, url.PathEscape(principal), name)
}

// settingPrincipal resolves whose setting a call addresses: principalArn if
// given (it must be this account's root, a user or a role), else the
// caller; the root user maps to the account default.
func settingPrincipal(ctx context.Context, sc scope, principalArn string) (string, error) {
	if principalArn == "" {
		principalArn = principalARN(ctx)
	}
	prefix := "arn:aws:iam::" + sc.account + ":"
	rest, ok := strings.CutPrefix(principalArn, prefix)
	if !ok || !(rest == "root" || strings.HasPrefix(rest, "user/") || strings.HasPrefix(rest, "role/")) {
		return "", invalidParameter("principalArn %q is not a valid IAM user, role or root ARN of account %s.", principalArn, sc.account)
	}
	if rest == "root" {
		return defaultPrincipal, nil
	}
	return principalArn, nil
}

func validateSetting(name, value string) error {
	allowed, ok := accountSettingValues[name]
	if !ok {
		return invalidParameter("Invalid setting name %q. Valid names: %s.", name, strings.Join(ecstypes.SettingNameValues, ", "))
	}
	if !slices.Contains(allowed, value) {
		return invalidParameter("Invalid value %q for setting %s. Valid values: %s.", value, name, strings.Join(allowed, ", "))
	}
	return nil
}

// PutAccountSetting sets a setting for a principal (the caller by default).
func (s *Service) PutAccountSetting(ctx context.Context, in *ecstypes.PutAccountSettingRequest) (*ecstypes.PutAccountSettingResponse, error) {
	sc := scopeOf(ctx)
	if err := validateSetting(in.Name, in.Value); err != nil {
		return nil, err
	}
	if in.Name == "fargateTaskRetirementWaitPeriod" {
		return nil, invalidParameter("fargateTaskRetirementWaitPeriod can only be set with PutAccountSettingDefault.")
	}
	principal, err := settingPrincipal(ctx, sc, in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	set, err := s.putSetting(ctx, sc, principal, in.Name, in.Value)
	if err != nil {
		return nil, err
	}
	return &ecstypes.PutAccountSettingResponse{Setting: set}, nil
}

// PutAccountSettingDefault sets the account default of a setting.
func (s *Service) PutAccountSettingDefault(ctx context.Context, in *ecstypes.PutAccountSettingDefaultRequest) (*ecstypes.PutAccountSettingDefaultResponse, error) {
	sc := scopeOf(ctx)
	if err := validateSetting(in.Name, in.Value); err != nil {
		return nil, err
	}
	set, err := s.putSetting(ctx, sc, defaultPrincipal, in.Name, in.Value)
	if err != nil {
		return nil, err
	}
	return &ecstypes.PutAccountSettingDefaultResponse{Setting: set}, nil
}

func (s *Service) putSetting(ctx context.Context, sc scope, principal, name, value string) (*ecstypes.Setting, error) {
	set := &ecstypes.Setting{Name: name, Value: value, PrincipalArn: settingOwnerARN(sc, principal), Type: "user"}
	key := settingKey(sc, principal, name)
	_, _, err := s.settings().Mutate(ctx, key, func(cur *ecstypes.Setting) error {
		*cur = *set
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		_, err = s.settings().Create(ctx, key, set)
		if errors.Is(err, store.ErrAlreadyExists) {
			return s.putSetting(ctx, sc, principal, name, value)
		}
	}
	if err != nil {
		return nil, internal("writing account setting", err)
	}
	return set, nil
}

func settingOwnerARN(sc scope, principal string) string {
	if principal == defaultPrincipal {
		return "arn:aws:iam::" + sc.account + ":root"
	}
	return principal
}

// DeleteAccountSetting removes a principal's own value of a setting.
func (s *Service) DeleteAccountSetting(ctx context.Context, in *ecstypes.DeleteAccountSettingRequest) (*ecstypes.DeleteAccountSettingResponse, error) {
	sc := scopeOf(ctx)
	if _, ok := accountSettingValues[in.Name]; !ok {
		return nil, validateSetting(in.Name, "")
	}
	principal, err := settingPrincipal(ctx, sc, in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	key := settingKey(sc, principal, in.Name)
	cur, _, err := s.settings().Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidParameter("The account setting %s is not set for %s.", in.Name, settingOwnerARN(sc, principal))
	}
	if err != nil {
		return nil, internal("reading account setting", err)
	}
	if err := s.settings().Delete(ctx, key, 0); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internal("deleting account setting", err)
	}
	return &ecstypes.DeleteAccountSettingResponse{Setting: cur}, nil
}

// ListAccountSettings lists settings set for a principal, or with
// effectiveSettings every setting's effective value for it.
func (s *Service) ListAccountSettings(ctx context.Context, in *ecstypes.ListAccountSettingsRequest) (*ecstypes.ListAccountSettingsResponse, error) {
	sc := scopeOf(ctx)
	if in.Name != "" {
		if _, ok := accountSettingValues[in.Name]; !ok {
			return nil, validateSetting(in.Name, "")
		}
	}
	limit := 10
	if in.MaxResults != 0 {
		if in.MaxResults < 1 || in.MaxResults > 10 {
			return nil, invalidParameter("maxResults must be between 1 and 10.")
		}
		limit = int(in.MaxResults)
	}
	principal, err := settingPrincipal(ctx, sc, in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	var all []ecstypes.Setting
	for _, name := range ecstypes.SettingNameValues {
		if in.Name != "" && name != in.Name {
			continue
		}
		set, err := s.lookupSetting(ctx, sc, principal, name, in.EffectiveSettings)
		if err != nil {
			return nil, err
		}
		if set != nil && (in.Value == "" || set.Value == in.Value) {
			all = append(all, *set)
		}
	}
	start := 0
	if in.NextToken != "" {
		after, err := decodeToken(in.NextToken)
		if err != nil {
			return nil, err
		}
		start = slices.IndexFunc(all, func(s ecstypes.Setting) bool { return s.Name == after }) + 1
	}
	out := &ecstypes.ListAccountSettingsResponse{Settings: []ecstypes.Setting{}}
	end := min(start+limit, len(all))
	out.Settings = append(out.Settings, all[start:end]...)
	if end < len(all) {
		out.NextToken = encodeToken(all[end-1].Name)
	}
	return out, nil
}

// lookupSetting returns the principal's own setting, or with effective the
// first of: its own, the account default, AWS's default.
func (s *Service) lookupSetting(ctx context.Context, sc scope, principal, name string, effective bool) (*ecstypes.Setting, error) {
	candidates := []string{principal}
	if effective && principal != defaultPrincipal {
		candidates = append(candidates, defaultPrincipal)
	}
	for _, p := range candidates {
		set, _, err := s.settings().Get(ctx, settingKey(sc, p, name))
		if err == nil {
			if p != principal {
				set.PrincipalArn = settingOwnerARN(sc, principal)
			}
			return set, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, internal("reading account setting", err)
		}
	}
	if !effective {
		return nil, nil
	}
	return &ecstypes.Setting{Name: name, Value: accountSettingDefaults[name],
		PrincipalArn: settingOwnerARN(sc, principal), Type: "aws_managed"}, nil
}

// effectiveSetting is the value of a setting for the calling principal.
func (s *Service) effectiveSetting(ctx context.Context, sc scope, name string) (string, error) {
	principal, err := settingPrincipal(ctx, sc, "")
	if err != nil {
		principal = defaultPrincipal
	}
	set, err := s.lookupSetting(ctx, sc, principal, name, true)
	if err != nil {
		return "", err
	}
	return set.Value, nil
}

// validateClusterSettings checks CreateCluster/UpdateCluster settings.
func validateClusterSettings(settings []ecstypes.ClusterSetting) error {
	for _, set := range settings {
		if set.Name != settingContainerInsights {
			return invalidParameter("Invalid cluster setting name %q. Valid names: containerInsights.", set.Name)
		}
		if !slices.Contains(accountSettingValues[settingContainerInsights], set.Value) {
			return invalidParameter("Invalid value %q for cluster setting containerInsights. Valid values: enabled, disabled, enhanced.", set.Value)
		}
	}
	return nil
}

// mergeClusterSettings overlays updates on base by name.
func mergeClusterSettings(base, updates []ecstypes.ClusterSetting) []ecstypes.ClusterSetting {
	out := slices.Clone(base)
	for _, u := range updates {
		i := slices.IndexFunc(out, func(s ecstypes.ClusterSetting) bool { return s.Name == u.Name })
		if i >= 0 {
			out[i] = u
		} else {
			out = append(out, u)
		}
	}
	if out == nil {
		out = []ecstypes.ClusterSetting{}
	}
	return out
}
