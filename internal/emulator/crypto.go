package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// certs holds the emulator's generated CA and serving certificate.
type certs struct {
	caPEM  []byte
	server tls.Certificate
}

// newCerts creates an in-memory ECDSA P-256 CA and a serving certificate for
// 127.0.0.1, ::1 and localhost signed by it.
func newCerts() (*certs, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "azure-emulator CA", Organization: []string{"azure-emulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate server key: %w", err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	return &certs{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		server: tls.Certificate{
			Certificate: [][]byte{srvDER, caDER},
			PrivateKey:  srvKey,
		},
	}, nil
}

// randomSerial returns a random 128-bit certificate serial number.
func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

// signer signs and verifies the emulator's ES256 access tokens.
type signer struct {
	key *ecdsa.PrivateKey
	kid string
}

// newSigner creates a fresh P-256 token-signing key.
func newSigner() (*signer, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	sum := sha256.Sum256(pub)
	return &signer{key: k, kid: base64.RawURLEncoding.EncodeToString(sum[:12])}, nil
}

var b64 = base64.RawURLEncoding

// sign returns a compact JWS (ES256) of claims.
func (s *signer) sign(claims map[string]any) (string, error) {
	hdr, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": s.kid})
	body, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hdr) + "." + b64.EncodeToString(body)
	sum := sha256.Sum256([]byte(input))
	r, ss, err := ecdsa.Sign(rand.Reader, s.key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	ss.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig), nil
}

// errBadSignature reports a token that is well-formed but not signed by us.
var errBadSignature = errors.New("signature verification failed")

// verify checks the signature of a compact JWS and returns its claims.
// A malformed token yields an error other than errBadSignature.
func (s *signer) verify(token string) (map[string]any, error) {
	hdr, claims, sig, input, err := splitJWT(token)
	if err != nil {
		return nil, err
	}
	if hdr["alg"] != "ES256" || len(sig) != 64 {
		return nil, errBadSignature
	}
	sum := sha256.Sum256([]byte(input))
	r := new(big.Int).SetBytes(sig[:32])
	ss := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&s.key.PublicKey, sum[:], r, ss) {
		return nil, errBadSignature
	}
	return claims, nil
}

// jwk returns the public signing key as a JSON Web Key.
func (s *signer) jwk() map[string]any {
	pub := s.key.PublicKey
	x := make([]byte, 32)
	y := make([]byte, 32)
	pub.X.FillBytes(x)
	pub.Y.FillBytes(y)
	return map[string]any{
		"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": s.kid,
		"x": b64.EncodeToString(x), "y": b64.EncodeToString(y),
	}
}

// splitJWT decodes a compact JWT without verifying it.
func splitJWT(token string) (hdr, claims map[string]any, sig []byte, input string, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, nil, "", errors.New("JWT must have three segments")
	}
	hb, err := b64.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("JWT header is not base64url: %w", err)
	}
	cb, err := b64.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("JWT payload is not base64url: %w", err)
	}
	sig, err = b64.DecodeString(strings.TrimRight(parts[2], "="))
	if err != nil {
		return nil, nil, nil, "", fmt.Errorf("JWT signature is not base64url: %w", err)
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return nil, nil, nil, "", fmt.Errorf("JWT header is not JSON: %w", err)
	}
	if err := json.Unmarshal(cb, &claims); err != nil {
		return nil, nil, nil, "", fmt.Errorf("JWT payload is not JSON: %w", err)
	}
	return hdr, claims, sig, parts[0] + "." + parts[1], nil
}

// deterministicGUID derives a stable GUID-formatted string from seed.
func deterministicGUID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	sum[6] = (sum[6] & 0x0f) | 0x50
	sum[8] = (sum[8] & 0x3f) | 0x80
	return formatGUID(sum[:16])
}

// newGUID returns a random version-4 GUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return formatGUID(b[:])
}

// formatGUID formats 16 bytes as 8-4-4-4-12 lowercase hex.
func formatGUID(b []byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// isGUID reports whether s looks like a GUID (8-4-4-4-12 hex digits).
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
