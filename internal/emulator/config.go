// Package emulator is a local, HTTPS-only emulator of the parts of Azure that
// the gallery operator talks to: Entra ID (client-credential and workload
// identity token issuance) and Azure Resource Manager for resource groups,
// Azure Compute Gallery galleries (with the share action), gallery image
// definitions, gallery applications and inVMAccessControlProfiles, and their
// versions (with timed per-region replication) at api-version 2024-03-03, and
// the image version sources: managed images, snapshots and disks. Each
// resource type is a row of one table (types.go).
//
// It is meant for tests and demos: start it in-process with New and Start,
// or run the cmd/azure-emulator binary. See docs/emulator.md.
package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// Default identity values used when Config leaves them empty. They are valid
// GUIDs so SDK-side validation accepts them.
const (
	DefaultTenantID       = "00000000-0000-0000-0000-000000000001"
	DefaultClientID       = "00000000-0000-0000-0000-0000000000c1"
	DefaultClientSecret   = "emulator-secret"
	DefaultSubscriptionID = "00000000-0000-0000-0000-0000000000a1"
	// DefaultListen is the listen address of the command-line emulator.
	DefaultListen = "127.0.0.1:8443"
	// DefaultFederatedAudience is the audience Entra expects in workload
	// identity client assertions.
	DefaultFederatedAudience = "api://AzureADTokenExchange"
)

// Config configures a Server. Zero values get the documented defaults.
type Config struct {
	// Listen is the TCP address to listen on; "127.0.0.1:0" picks a free port.
	// Empty means 127.0.0.1:0 for in-process use.
	Listen string
	// DataDir, when set, receives ca.crt (PEM) before the listener accepts
	// connections. It is created if missing.
	DataDir string

	// The default service principal and the subscription it may access.
	TenantID       string
	ClientID       string
	ClientSecret   string
	SubscriptionID string
	// ExtraSubscriptions are further subscriptions the default principal may
	// access, as one identity with a role in several subscriptions has.
	ExtraSubscriptions []string
	// Principals are additional service principals (see Principal).
	Principals []Principal

	// Settings are the runtime-tunable knobs; zero fields get defaults
	// (see DefaultSettings). They can be changed later with PatchSettings or
	// PATCH /_emulator/config.
	Settings Settings

	// Log, when non-nil, receives one line per served request.
	Log func(format string, args ...any)

	// OnRequest, when non-nil, receives every entry of the ARM request log as it is recorded (even
	// when the log is later cleared or trimmed), on the request's goroutine.
	OnRequest func(RequestRecord) `json:"-"`
}

// Principal is a service principal (app registration) known to the emulated
// Entra tenant, with the subscriptions it has access to in ARM.
type Principal struct {
	TenantID     string `json:"tenantId,omitempty"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret,omitempty"`
	// ObjectID is the principal's object id (the token's oid); generated
	// deterministically from ClientID when empty.
	ObjectID      string   `json:"objectId,omitempty"`
	Subscriptions []string `json:"subscriptions,omitempty"`
	// FederatedCredentials allow client_assertion (workload identity) logins.
	FederatedCredentials []FederatedCredential `json:"federatedCredentials,omitempty"`
}

// FederatedCredential is a federated identity credential of an app: an
// external token whose iss and sub match (and whose aud contains one of
// Audiences) may be exchanged for an access token of the app.
type FederatedCredential struct {
	Issuer  string `json:"issuer"`
	Subject string `json:"subject"`
	// Audiences defaults to ["api://AzureADTokenExchange"].
	Audiences []string `json:"audiences,omitempty"`
}

// ThrottleLimits are ARM token-bucket sizes and refill rates per
// (subscription, principal).
type ThrottleLimits struct {
	ReadBurst       float64 `json:"readBurst,omitempty"`
	ReadPerSecond   float64 `json:"readPerSecond,omitempty"`
	WriteBurst      float64 `json:"writeBurst,omitempty"`
	WritePerSecond  float64 `json:"writePerSecond,omitempty"`
	DeleteBurst     float64 `json:"deleteBurst,omitempty"`
	DeletePerSecond float64 `json:"deletePerSecond,omitempty"`
}

// OperationFailure makes matching long-running operations fail when they
// complete: the resource ends in provisioningState Failed and the operation
// status reports status Failed with this error.
type OperationFailure struct {
	// Method is PUT, PATCH or DELETE; empty matches any.
	Method string `json:"method,omitempty"`
	// PathPattern is a regular expression matched against the request path
	// (case-insensitive); empty matches any.
	PathPattern string `json:"pathPattern,omitempty"`
	// Code and Message of the error; default InternalExecutionError.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Count is how many operations fail; 0 means 1, -1 means unlimited.
	Count int `json:"count,omitempty"`
}

// ReplicationFailure makes the replication of matching versions (gallery image
// versions, application versions, inVMAccessControlProfile versions) to one
// region end Failed: the region's replicationStatus state is
// Failed with "Code: Message" as details, aggregatedState is Failed, the version's
// provisioningState is Failed and its long-running operation ends Failed
// with this error.
type ReplicationFailure struct {
	// VersionPathPattern is a regular expression matched (case-insensitive)
	// against the version's resource id, e.g. `/images/myimage/versions/1\.0\.0$`
	// or `/applications/myapp/versions/`;
	// empty matches any version.
	VersionPathPattern string `json:"versionPathPattern,omitempty"`
	// Region is the target region that fails ("West Europe" and "westeurope"
	// are the same); empty matches any region.
	Region string `json:"region,omitempty"`
	// Code and Message of the error; default ReplicationFailed.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Count is how many region replications fail; 0 means unlimited (the
	// rule stays until replaced).
	Count int `json:"count,omitempty"`
}

// Settings are the runtime-tunable knobs of the emulator. JSON field names are
// those of GET/PATCH /_emulator/config.
type Settings struct {
	// OperationDurationMs is how long a long-running operation stays
	// InProgress (default 2000).
	OperationDurationMs int `json:"operationDurationMs"`
	// RetryAfterMs is the poll interval advertised on LRO responses, as
	// Retry-After (seconds, rounded up) and, when not a whole number of
	// seconds, retry-after-ms (default 1000).
	RetryAfterMs int `json:"retryAfterMs"`
	// TokenLifetimeSeconds is the lifetime of issued access tokens
	// (default 3600).
	TokenLifetimeSeconds int `json:"tokenLifetimeSeconds"`
	// ImageQuota is the number of gallery image definitions allowed per
	// subscription and region (default 1000).
	ImageQuota int `json:"imageQuota"`
	// ImageVersionQuota is the number of gallery image versions allowed per
	// subscription and region (default 10000, Azure's documented limit).
	ImageVersionQuota int `json:"imageVersionQuota"`
	// PageSize is the number of resources per list page of the gallery
	// types (default 100).
	PageSize int `json:"pageSize"`
	// ReplicationSecondsPerRegion is how long a version (image, application
	// or inVMAccessControlProfile version) takes to replicate to each target
	// region; regions replicate one after the other
	// (default 2; negative means instant).
	ReplicationSecondsPerRegion float64 `json:"replicationSecondsPerRegion"`
	// FailReplication lists rules that make a version's replication fail in
	// a region.
	FailReplication []ReplicationFailure `json:"failReplication"`
	// Throttle holds the ARM throttling buckets.
	Throttle ThrottleLimits `json:"throttle"`
	// FailOperations lists rules that make future operations fail.
	FailOperations []OperationFailure `json:"failOperations"`
}

// DefaultSettings returns the defaults applied to zero Settings fields.
func DefaultSettings() Settings {
	return Settings{
		OperationDurationMs:  2000,
		RetryAfterMs:         1000,
		TokenLifetimeSeconds: 3600,
		ImageQuota:           1000,
		ImageVersionQuota:    10000,
		PageSize:             100,

		ReplicationSecondsPerRegion: 2,
		Throttle: ThrottleLimits{
			ReadBurst: 250, ReadPerSecond: 25,
			WriteBurst: 200, WritePerSecond: 10,
			DeleteBurst: 200, DeletePerSecond: 10,
		},
	}
}

// withDefaults fills zero fields of s from DefaultSettings. Negative
// durations are treated as zero (instant operations, no poll delay).
func (s Settings) withDefaults() Settings {
	d := DefaultSettings()
	if s.OperationDurationMs == 0 {
		s.OperationDurationMs = d.OperationDurationMs
	}
	if s.RetryAfterMs == 0 {
		s.RetryAfterMs = d.RetryAfterMs
	}
	if s.TokenLifetimeSeconds == 0 {
		s.TokenLifetimeSeconds = d.TokenLifetimeSeconds
	}
	if s.ImageQuota == 0 {
		s.ImageQuota = d.ImageQuota
	}
	if s.ImageVersionQuota == 0 {
		s.ImageVersionQuota = d.ImageVersionQuota
	}
	if s.ReplicationSecondsPerRegion == 0 {
		s.ReplicationSecondsPerRegion = d.ReplicationSecondsPerRegion
	}
	if s.FailReplication == nil {
		s.FailReplication = []ReplicationFailure{}
	}
	if s.PageSize <= 0 {
		s.PageSize = d.PageSize
	}
	t, dt := &s.Throttle, d.Throttle
	fill := func(v *float64, def float64) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&t.ReadBurst, dt.ReadBurst)
	fill(&t.ReadPerSecond, dt.ReadPerSecond)
	fill(&t.WriteBurst, dt.WriteBurst)
	fill(&t.WritePerSecond, dt.WritePerSecond)
	fill(&t.DeleteBurst, dt.DeleteBurst)
	fill(&t.DeletePerSecond, dt.DeletePerSecond)
	return s
}

// validate checks the regular expressions in s.
func (s Settings) validate() error {
	for i, f := range s.FailOperations {
		if _, err := regexp.Compile(f.PathPattern); err != nil {
			return fmt.Errorf("failOperations[%d].pathPattern: %v", i, err)
		}
	}
	for i, f := range s.FailReplication {
		if _, err := regexp.Compile(f.VersionPathPattern); err != nil {
			return fmt.Errorf("failReplication[%d].versionPathPattern: %v", i, err)
		}
	}
	return nil
}

// FileConfig is the JSON document read by --config: extra principals and
// initial settings.
type FileConfig struct {
	Principals []Principal `json:"principals"`
	Settings   *Settings   `json:"settings,omitempty"`
}

// LoadConfigFile reads a FileConfig from path and merges it into c.
func (c *Config) LoadConfigFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	var fc FileConfig
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return fmt.Errorf("parse config %s: %w", path, err)
	}
	c.Principals = append(c.Principals, fc.Principals...)
	if fc.Settings != nil {
		c.Settings = *fc.Settings
	}
	return nil
}

// withDefaults returns c with empty identity fields defaulted.
func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.TenantID == "" {
		c.TenantID = DefaultTenantID
	}
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.ClientSecret == "" {
		c.ClientSecret = DefaultClientSecret
	}
	if c.SubscriptionID == "" {
		c.SubscriptionID = DefaultSubscriptionID
	}
	c.Settings = c.Settings.withDefaults()
	return c
}

// principals returns the default principal followed by the configured ones,
// with tenant and object ids filled in.
func (c Config) principals() ([]Principal, error) {
	all := append([]Principal{{
		TenantID: c.TenantID, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		Subscriptions: append([]string{c.SubscriptionID}, c.ExtraSubscriptions...),
	}}, c.Principals...)
	out := make([]Principal, 0, len(all))
	for i, p := range all {
		if p.ClientID == "" {
			return nil, fmt.Errorf("principal %d: clientId is required", i)
		}
		if p.TenantID == "" {
			p.TenantID = c.TenantID
		}
		if p.ObjectID == "" {
			p.ObjectID = deterministicGUID("oid:" + strings.ToLower(p.ClientID))
		}
		for j := range p.FederatedCredentials {
			if len(p.FederatedCredentials[j].Audiences) == 0 {
				p.FederatedCredentials[j].Audiences = []string{DefaultFederatedAudience}
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// duration converts milliseconds to a time.Duration, clamping negatives to 0.
func duration(ms int) time.Duration {
	if ms < 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}
