package emulator_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/azgallery/gallery-operator/internal/emulator"
)

// BenchmarkServeGet measures authenticated GETs of a gallery image over
// loopback HTTPS with keep-alive from 8 parallel clients per GOMAXPROCS and
// reports requests per second.
func BenchmarkServeGet(b *testing.B) {
	e := newEnv(b, func(c *emulator.Config) {
		c.Settings.Throttle = emulator.ThrottleLimits{ReadBurst: 1e9, ReadPerSecond: 1e9}
	})
	ctx := testCtx(b)
	e.setupGallery(ctx, "rg", "gal")
	e.createImage(ctx, "rg", "gal", "img", image("westus", "p", "o", "s"))
	url := e.Server.URL() + q(e.imgPath("rg", "gal", "img"), computeAPI)
	authz := "Bearer " + e.bearer()
	client := emulator.NewHTTPClient(e.Server.CACertPEM())
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", authz)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
