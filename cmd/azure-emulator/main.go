// Command azure-emulator runs the local Azure (Entra ID + ARM) emulator for
// Azure Compute Gallery image definitions. See docs/emulator.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "azure-emulator:", err)
		os.Exit(1)
	}
}

// run parses flags, starts the emulator and waits for a signal.
func run() error {
	var cfg emulator.Config
	var configFile string
	var opDuration, retryAfter time.Duration
	var tokenLifetime time.Duration
	var replicationPerRegion float64
	var quiet bool
	d := emulator.DefaultSettings()
	flag.StringVar(&cfg.Listen, "listen", emulator.DefaultListen, "address to listen on (HTTPS)")
	flag.StringVar(&cfg.DataDir, "data-dir", ".azure-emulator", "directory for ca.crt")
	flag.StringVar(&cfg.TenantID, "tenant-id", emulator.DefaultTenantID, "tenant id of the default service principal")
	flag.StringVar(&cfg.ClientID, "client-id", emulator.DefaultClientID, "client (application) id of the default service principal")
	flag.StringVar(&cfg.ClientSecret, "client-secret", emulator.DefaultClientSecret, "client secret of the default service principal")
	flag.StringVar(&cfg.SubscriptionID, "subscription-id", emulator.DefaultSubscriptionID, "subscription the default principal may access")
	flag.Func("extra-subscriptions", "comma-separated further subscriptions the default principal may access", func(v string) error {
		for _, sub := range strings.Split(v, ",") {
			if sub = strings.TrimSpace(sub); sub != "" {
				cfg.ExtraSubscriptions = append(cfg.ExtraSubscriptions, sub)
			}
		}
		return nil
	})
	flag.StringVar(&configFile, "config", "", "JSON file with extra principals and initial settings (see docs/emulator.md)")
	flag.DurationVar(&opDuration, "operation-duration", time.Duration(d.OperationDurationMs)*time.Millisecond, "how long long-running operations stay InProgress")
	flag.DurationVar(&retryAfter, "retry-after", time.Duration(d.RetryAfterMs)*time.Millisecond, "poll interval advertised on long-running operations")
	flag.DurationVar(&tokenLifetime, "token-lifetime", time.Duration(d.TokenLifetimeSeconds)*time.Second, "lifetime of issued access tokens")
	flag.IntVar(&cfg.Settings.ImageQuota, "image-quota", d.ImageQuota, "gallery image definitions allowed per subscription and region")
	flag.IntVar(&cfg.Settings.PageSize, "page-size", d.PageSize, "resources per list page (galleries, images, applications, profiles and their versions, ...)")
	flag.IntVar(&cfg.Settings.ImageVersionQuota, "image-version-quota", d.ImageVersionQuota, "gallery image versions allowed per subscription and region")
	flag.Float64Var(&replicationPerRegion, "replication-seconds-per-region", d.ReplicationSecondsPerRegion,
		"seconds a version (image, application or profile) takes to replicate to each target region (fractions allowed; 0 = instant)")
	flag.BoolVar(&quiet, "quiet", false, "do not log requests")
	flag.Parse()

	if configFile != "" {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		flagSettings := cfg.Settings
		if err := cfg.LoadConfigFile(configFile); err != nil {
			return err
		}
		// Explicit flags win over the config file.
		if set["image-quota"] {
			cfg.Settings.ImageQuota = flagSettings.ImageQuota
		}
		if set["page-size"] {
			cfg.Settings.PageSize = flagSettings.PageSize
		}
		if set["image-version-quota"] {
			cfg.Settings.ImageVersionQuota = flagSettings.ImageVersionQuota
		}
		if !set["replication-seconds-per-region"] && cfg.Settings.ReplicationSecondsPerRegion != 0 {
			replicationPerRegion = cfg.Settings.ReplicationSecondsPerRegion
		}
		if !set["operation-duration"] && cfg.Settings.OperationDurationMs != 0 {
			opDuration = time.Duration(cfg.Settings.OperationDurationMs) * time.Millisecond
		}
		if !set["retry-after"] && cfg.Settings.RetryAfterMs != 0 {
			retryAfter = time.Duration(cfg.Settings.RetryAfterMs) * time.Millisecond
		}
		if !set["token-lifetime"] && cfg.Settings.TokenLifetimeSeconds != 0 {
			tokenLifetime = time.Duration(cfg.Settings.TokenLifetimeSeconds) * time.Second
		}
	}
	cfg.Settings.OperationDurationMs = msOrInstant(opDuration)
	cfg.Settings.RetryAfterMs = msOrInstant(retryAfter)
	cfg.Settings.TokenLifetimeSeconds = int(tokenLifetime / time.Second)
	cfg.Settings.ReplicationSecondsPerRegion = secondsOrInstant(replicationPerRegion)
	if !quiet {
		logger := log.New(os.Stderr, "azure-emulator: ", log.LstdFlags|log.Lmicroseconds)
		cfg.Log = logger.Printf
	}

	srv, err := emulator.New(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Start(ctx); err != nil {
		return err
	}
	fmt.Printf("azure-emulator CA certificate written to %s\n", srv.CACertPath())
	fmt.Printf("azure-emulator listening on %s\n", srv.URL())
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	return nil
}

// msOrInstant converts d to milliseconds; zero becomes -1 (instant), since
// 0 means "default" in emulator.Settings.
func msOrInstant(d time.Duration) int {
	if d <= 0 {
		return -1
	}
	return int(d / time.Millisecond)
}

// secondsOrInstant keeps a positive number of seconds; zero (or less) becomes
// -1 (instant), since 0 means "default" in emulator.Settings.
func secondsOrInstant(sec float64) float64 {
	if sec <= 0 {
		return -1
	}
	return sec
}
