package main

import (
	"bytes"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/v2/common"
)

// sbom writes an SPDX 2.3 JSON document for the Go binary at path, from the module list its build
// embeds (debug/buildinfo): the main module, described by the image's version, and every
// dependency module linked into it and the Go standard library, each with a purl.
func sbom(path, version string, created time.Time) ([]byte, error) {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the build info of %s: %w", path, err)
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	main := goPackage("main", info.Main.Path, version)
	main.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: sum}}
	main.PrimaryPackagePurpose = "APPLICATION"
	main.PackageComment = "Built with " + info.GoVersion
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      info.Main.Path + "@" + version,
		DocumentNamespace: "https://" + info.Main.Path + "/spdx/" + version + "/" + sum,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "gallery-operator-hack-image"}},
			Created:  created.UTC().Format(time.RFC3339),
		},
		Packages: []*spdx.Package{main},
		Relationships: []*spdx.Relationship{{
			RefA:         common.MakeDocElementID("", "DOCUMENT"),
			RefB:         common.MakeDocElementID("", string(main.PackageSPDXIdentifier)),
			Relationship: common.TypeRelationshipDescribe,
		}},
	}
	// The Go standard library, as vulnerability scanners name it (pkg:golang/stdlib@1.26.8).
	deps := append([]*debug.Module{{Path: "stdlib", Version: strings.TrimPrefix(info.GoVersion, "go")}}, info.Deps...)
	for i, dep := range deps {
		if dep.Replace != nil {
			dep = dep.Replace
		}
		p := goPackage(fmt.Sprintf("dep-%d", i), dep.Path, dep.Version)
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA:         common.MakeDocElementID("", string(main.PackageSPDXIdentifier)),
			RefB:         common.MakeDocElementID("", string(p.PackageSPDXIdentifier)),
			Relationship: common.TypeRelationshipDependsOn,
		})
	}
	var b bytes.Buffer
	if err := spdxjson.Write(doc, &b, spdxjson.Indent("  ")); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var spdxIDChars = regexp.MustCompile(`[^A-Za-z0-9.-]`)

// goPackage is the SPDX package of a Go module.
func goPackage(id, path, version string) *spdx.Package {
	return &spdx.Package{
		PackageName:             path,
		PackageSPDXIdentifier:   common.ElementID("Package-" + spdxIDChars.ReplaceAllString(id+"-"+path, "-")),
		PackageVersion:          version,
		PackageDownloadLocation: "NOASSERTION",
		PackageLicenseConcluded: "NOASSERTION",
		PackageLicenseDeclared:  "NOASSERTION",
		PackageCopyrightText:    "NOASSERTION",
		PackageExternalReferences: []*spdx.PackageExternalReference{{
			Category: common.CategoryPackageManager,
			RefType:  common.TypePackageManagerPURL,
			Locator:  "pkg:golang/" + path + "@" + version,
		}},
	}
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:]), nil
}
