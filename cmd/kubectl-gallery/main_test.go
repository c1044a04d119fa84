package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/azgallery/gallery-operator/internal/emulator/emulatortest"
	"github.com/azgallery/gallery-operator/internal/importer/importertest"
)

func TestUsageErrors(t *testing.T) {
	t.Setenv("AZURE_SUBSCRIPTION_ID", "")
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{nil, 2, "Usage"},
		{[]string{"--help"}, 0, "Usage"},
		{[]string{"export"}, 2, "unknown command"},
		{[]string{"import", "--help"}, 0, "--deletion-policy"},
		{[]string{"import", "--nope"}, 2, "not defined"},
		{[]string{"import"}, 2, "no subscription"},
		{[]string{"import", "--subscription", "s", "--deletion-policy", "Keep"}, 2, "Orphan or Delete"},
		{[]string{"import", "--subscription", "s", "--policy", "observe"}, 2, "Manage, Observe or Paused"},
		{[]string{"import", "--subscription", "s", "--namespace", "Not_Valid"}, 2, "--namespace"},
		{[]string{"import", "--subscription", "s", "extra"}, 2, "unexpected arguments"},
		{[]string{"status", "--help"}, 0, "Usage: kubectl gallery status"},
		{[]string{"status"}, 2, "give a Gallery name or --all"},
		{[]string{"status", "a", "-n", "ns", "b"}, 2, "one Gallery name at most"},
		{[]string{"status", "a", "--all"}, 2, "not both"},
		{[]string{"status", "a", "-o", "xml"}, 2, "unknown output format"},
		{[]string{"status", "--all", "--nope"}, 2, "not defined"},
	} {
		var stdout, stderr strings.Builder
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.says) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d saying %q", tc.args, code, stderr.String(), tc.code, tc.says)
		}
	}
}

// TestImportCommand runs the command against the emulator with the manager's environment
// variables, in both output forms.
func TestImportCommand(t *testing.T) {
	env := emulatortest.Start(t)
	if err := importertest.Create(context.Background(), env.SubscriptionID, "cmd-rg", env.Credential, env.ClientOptions); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(ca, env.Server.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AZURE_TENANT_ID": env.Server.TenantID(), "AZURE_CLIENT_ID": env.Server.ClientID(), "AZURE_CLIENT_SECRET": env.Server.ClientSecret(),
		"AZURE_SUBSCRIPTION_ID": env.SubscriptionID, "AZURE_AUTHORITY_HOST": env.Server.URL() + "/",
		"AZURE_RESOURCE_MANAGER_ENDPOINT": env.Server.URL(), "AZURE_CA_BUNDLE": ca, "AZURE_FEDERATED_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"import", "--gallery", "Platform_Gallery", "--deletion-policy", "Delete"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\nkind: "); n != 11 || strings.Contains(stdout.String(), "deletionPolicy") {
		t.Errorf("stream with %d objects (want 11: 1 gallery, 4 images, 2 versions, 1 application and its version, 1 inVMAccessControlProfile and its version; "+
			"deletionPolicy left to the default Delete):\n%s", n, stdout.String())
	}
	if strings.Contains(stdout.String(), "managementPolicy") {
		t.Errorf("without --policy the objects leave managementPolicy to the operator's default:\n%s", stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"import", "--gallery", "Platform_Gallery", "--policy", "Observe"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n, observe := strings.Count(stdout.String(), "\nkind: "), strings.Count(stdout.String(), "  managementPolicy: Observe\n"); n != 11 || observe != n {
		t.Errorf("--policy Observe: %d of %d objects observe-only, want all:\n%s", observe, n, stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"import", "--gallery", "Platform_Gallery", "--skip-versions"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "\nkind: "); n != 7 || strings.Contains(stdout.String(), "Version\n") {
		t.Errorf("--skip-versions: %d objects, want 7 (no image, application or profile versions):\n%s", n, stdout.String())
	}
	dir := filepath.Join(t.TempDir(), "out")
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"import", "--resource-group", "cmd-rg", "--output-dir", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(files) != len(importertest.ObjectNames) || stdout.Len() != 0 {
		t.Errorf("%d files, stdout %q", len(files), stdout.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "galleryimage-platform-gallery-shared-name.yaml"))
	if err != nil || !strings.Contains(string(b), "deletionPolicy: Orphan") || !strings.Contains(string(b), "name: platform-gallery\n") {
		t.Errorf("%v\n%s", err, b)
	}
}
