package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// mountTmpfs mounts a tmpfs of size on a new directory and unmounts it
// when the test ends (after the servers it holds have stopped: cleanups
// run last in, first out). It skips when not root or the mount fails.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (CI runs as root)")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// apiCall sends one request with the admin token and returns the status,
// the Retry-After header and the decoded body.
func apiCall(hc *http.Client, method, u, body string, hdr ...string) (int, string, map[string]any, error) {
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(data, &m)
	return resp.StatusCode, resp.Header.Get("Retry-After"), m, nil
}

// fillDisk writes zeros into path until the file system is full.
func fillDisk(path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	for _, chunk := range []int{1 << 20, 64 << 10, 4 << 10, 512} {
		buf := make([]byte, chunk)
		for {
			w, err := f.Write(buf)
			n += int64(w)
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// TestFullDiskRecovers: on a 20 MiB tmpfs, a filler file takes the whole
// disk while declares (half with an Idempotency-Key) and webhook alerts
// stream in through the HTTP API.
// Writes then answer 503 with Retry-After and /readyz 503; once the filler
// is deleted the same server takes writes again and /readyz is 200, with
// no restart, and every declare that was acknowledged (2xx) is there.
func TestFullDiskRecovers(t *testing.T) {
	dir := mountTmpfs(t, "20m")
	s := startServer(t, "--data-dir", dir, "--disk-reserve-mib", "2", "--disk-min-free-mib", "2")
	defer s.stop(t)
	if _, err := os.Stat(filepath.Join(dir, "firebreak.db.reserve")); err != nil {
		t.Fatalf("no reserve file: %v", err)
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	code, _, integ, err := apiCall(hc, "POST", s.URL+"/api/v1/integrations", `{"kind":"generic","name":"disk","service":"disk"}`)
	if err != nil || code != http.StatusCreated {
		t.Fatalf("create integration: %d %v %v", code, integ, err)
	}
	hook := fmt.Sprint(integ["webhook_url"])
	if !strings.HasPrefix(hook, "http") {
		t.Fatalf("integration without a webhook URL: %v", integ)
	}

	var (
		mu        sync.Mutex
		acked     []string // refs of declares answered 2xx
		refused   int      // 503 with Retry-After
		hookFull  bool     // a webhook answered 503 with Retry-After
		badAnswer []string // anything else
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// Every other declare carries an Idempotency-Key, as the
				// CLI's do: its reservation is a write too.
				var hdr []string
				if i%2 == 0 {
					hdr = []string{"Idempotency-Key", fmt.Sprintf("disk-%d-%d", w, i)}
				}
				code, ra, body, err := apiCall(hc, "POST", s.URL+"/api/v1/incidents", fmt.Sprintf(`{"title":"disk test %d-%d","summary":%q}`, w, i, strings.Repeat("s", 2000)), hdr...)
				mu.Lock()
				switch {
				case err != nil:
					badAnswer = append(badAnswer, err.Error())
				case code == http.StatusCreated:
					acked = append(acked, fmt.Sprint(body["ref"]))
				case code == http.StatusServiceUnavailable && ra != "":
					refused++
				default:
					badAnswer = append(badAnswer, fmt.Sprintf("%d %v", code, body))
				}
				mu.Unlock()
				if code == http.StatusServiceUnavailable {
					time.Sleep(50 * time.Millisecond)
				}
				body2 := fmt.Sprintf(`{"dedup_key":"disk-%d-%d","action":"trigger","summary":"disk alert","severity":"warning"}`, w, i)
				resp, err := hc.Post(hook, "application/json", strings.NewReader(body2))
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mu.Lock()
					switch {
					case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
						hookFull = true
					case resp.StatusCode/100 != 2:
						badAnswer = append(badAnswer, fmt.Sprintf("hook %d", resp.StatusCode))
					}
					mu.Unlock()
				}
			}
		})
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()
	waitUntil := func(what string, limit time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("%s: not within %s (acked %d, refused %d, other answers %v)", what, limit, len(acked), refused, badAnswer)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitUntil("some declares acknowledged before the disk fills", 20*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 10 })

	filler := filepath.Join(dir, "filler")
	n, err := fillDisk(filler)
	if err != nil {
		t.Fatalf("fill the disk: %v", err)
	}
	t.Logf("filler took %.1f MiB", float64(n)/(1<<20))
	readyz := func() int {
		resp, err := hc.Get(s.URL + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitUntil("writes refused with 503 and Retry-After", 30*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return refused > 0 && hookFull })
	waitUntil("/readyz 503 while the disk is full", 10*time.Second, func() bool { return readyz() == http.StatusServiceUnavailable })
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	t.Logf("disk full: %d declares acknowledged so far", before)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitUntil("declares acknowledged again after the filler is deleted", 30*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= before+10 })
	waitUntil("/readyz 200 again", 10*time.Second, func() bool { return readyz() == http.StatusOK })
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(badAnswer) > 0 {
		t.Errorf("answers other than 201 or 503 with Retry-After: %v", badAnswer[:min(len(badAnswer), 10)])
	}
	stored := map[string]bool{}
	for cursor := ""; ; {
		code, _, page, err := apiCall(hc, "GET", s.URL+"/api/v1/incidents?limit=200&cursor="+url.QueryEscape(cursor), "")
		if err != nil || code != http.StatusOK {
			t.Fatalf("list incidents: %d %v", code, err)
		}
		items, _ := page["items"].([]any)
		for _, it := range items {
			stored[fmt.Sprint(it.(map[string]any)["ref"])] = true
		}
		next, _ := page["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	lost := 0
	for _, ref := range acked {
		if !stored[ref] {
			lost++
		}
	}
	t.Logf("acknowledged %d, refused %d, stored %d, lost %d", len(acked), refused, len(stored), lost)
	if lost > 0 {
		t.Errorf("%d acknowledged declares are missing", lost)
	}
}
