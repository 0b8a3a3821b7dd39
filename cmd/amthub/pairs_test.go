package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/amthub/amthub/portal"
)

// pair is one question a citizen and a vendor may both ask: who serves
// this service in this area? grouped says that a service group of the
// catalogue named it.
type pair struct {
	leika, ars string
	grouped    bool
}

// raceStride thins out the grouped pairs under the race detector.
const raceStride = 10

// unitAnswer is what one side answered: the unit named (empty: none), and
// for the routes whether there was a route and why not.
type unitAnswer struct {
	id, name string
	routed   bool
	kind     string // the problem type of GET /v1/routes without a route
	detail   string
}

// TestFinderAndRoutesAgree asks, for every (LeiKa key, ARS) of the demo
// data and of the shipped catalogue, the portal's finder (the service page)
// and GET /v1/routes of one `amthub dev`: both must name the same
// organisational unit, and agree on whether anyone is responsible.
//
// All 21,000-odd pairs take about a minute. Under the race detector, which
// slows the pure-Go SQLite some tenfold, it asks every pair of the demo
// data and of the responsibilities named one by one, and every
// raceStride-th pair of those a service group expands to.
func TestFinderAndRoutesAgree(t *testing.T) {
	start := time.Now()
	demo, stop := startDev(t, t.TempDir())
	defer stop()
	t.Logf("dev up in %v", time.Since(start))
	start = time.Now()
	base := strings.TrimSuffix(demo.URLs["api"], "/")
	tokens := &tokenSource{base: base, id: demo.Vendor.ClientID, secret: demo.Vendor.ClientSecret}
	if _, err := tokens.get(false); err != nil {
		t.Fatal(err)
	}
	var pairs []pair
	for _, d := range demo.Destinations {
		pairs = append(pairs, pair{leika: d.LeikaKey, ars: d.ARS})
	}
	all := cataloguePairs(t)
	if len(all) < 20000 {
		t.Fatalf("only %d pairs: the seed catalogue was not read", len(all))
	}
	for i, p := range all {
		if !raceDetector || !p.grouped || i%raceStride == 0 {
			pairs = append(pairs, p)
		}
	}
	pairs = uniquePairs(pairs)
	t.Logf("asking %d of the %d pairs (race detector: %v)", len(pairs), len(all), raceDetector)

	var mu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	work := make(chan pair)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range work {
				finder, err := askFinder(base, p)
				if err != nil {
					fail("%v: finder: %v", p, err)
					continue
				}
				routes, err := askRoutes(base, tokens, p)
				if err != nil {
					fail("%v: routes: %v", p, err)
					continue
				}
				if msg := disagreement(finder, routes); msg != "" {
					fail("%v: %s", p, msg)
				}
			}
		})
	}
	for _, p := range pairs {
		work <- p
	}
	close(work)
	wg.Wait()
	if len(failures) > 0 {
		sort.Strings(failures)
		t.Fatalf("%d of %d pairs disagree, e.g.:\n%s", len(failures), len(pairs), strings.Join(failures[:min(20, len(failures))], "\n"))
	}

	// The demo destinations are routed, and to the unit the finder names.
	for _, d := range demo.Destinations {
		r, err := askRoutes(base, tokens, pair{leika: d.LeikaKey, ars: d.ARS})
		if err != nil || !r.routed {
			t.Fatalf("demo destination %s in %s: no route (%+v, %v)", d.Name, d.ARS, r, err)
		}
	}
	t.Logf("%d pairs agree (%v)", len(pairs), time.Since(start))
}

// workers ask in parallel, each over a kept-alive connection.
const workers = 2

var pairsClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 30 * time.Second}

// disagreement says how the two answers differ, or "" when they agree.
func disagreement(finder, routes unitAnswer) string {
	switch {
	case finder.id == "" && routes.routed:
		return fmt.Sprintf("the finder names no unit, the routes name %s", routes.name)
	case finder.id == "" && routes.kind == "no_destination":
		return fmt.Sprintf("the finder names no unit, the routes name one: %s", routes.detail)
	case finder.id == "":
		return ""
	case routes.routed && (routes.id != finder.id || routes.name != finder.name):
		return fmt.Sprintf("the finder names %s (%s), the routes %s (%s)", finder.name, finder.id, routes.name, routes.id)
	case routes.routed:
		return ""
	case routes.kind != "no_destination" || !strings.Contains(routes.detail, finder.name):
		return fmt.Sprintf("the finder names %s, the routes answer %s: %s", finder.name, routes.kind, routes.detail)
	}
	return ""
}

// cataloguePairs lists the (LeiKa key, ARS) pairs the shipped catalogue
// names: each responsibility's service with the area its prefix names, and
// for a prefix shorter than an ARS, the first municipality it covers too.
func cataloguePairs(t *testing.T) []pair {
	t.Helper()
	b, err := portal.SeedCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	var cat portal.Catalogue
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	areas, err := demoAreas()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	var municipalities []string
	for _, a := range areas {
		known[a.ARS] = true
		if a.Level == "gemeinde" {
			municipalities = append(municipalities, a.ARS)
		}
	}
	sort.Strings(municipalities)
	var out []pair
	for _, r := range cat.Responsibilities {
		keys := []string{r.LeikaKey}
		if r.ServiceGroup != "" {
			keys = cat.ServiceGroups[r.ServiceGroup]
		}
		areas := []string{}
		if own := r.ARSPrefix + strings.Repeat("0", 12-len(r.ARSPrefix)); known[own] {
			areas = append(areas, own)
		}
		if len(r.ARSPrefix) < 12 {
			i := sort.SearchStrings(municipalities, r.ARSPrefix)
			if i < len(municipalities) && strings.HasPrefix(municipalities[i], r.ARSPrefix) {
				areas = append(areas, municipalities[i])
			}
		}
		for _, k := range keys {
			for _, a := range areas {
				out = append(out, pair{k, a, r.ServiceGroup != ""})
			}
		}
	}
	return out
}

func uniquePairs(ps []pair) []pair {
	seen := map[[2]string]bool{}
	out := ps[:0]
	for _, p := range ps {
		if k := [2]string{p.leika, p.ars}; !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// finderUnit is how the service page names the responsible unit.
var finderUnit = regexp.MustCompile(`<h3><a href="/behoerden/([^"]+)">([^<]+)</a></h3>`)

// askFinder renders the service page for the area, as a citizen picks it.
func askFinder(base string, p pair) (unitAnswer, error) {
	res, err := pairsClient.Get(base + "/leistungen/" + p.leika + "?ars=" + url.QueryEscape(p.ars))
	if err != nil {
		return unitAnswer{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return unitAnswer{}, err
	}
	if res.StatusCode != http.StatusOK {
		return unitAnswer{}, fmt.Errorf("status %d: %.200s", res.StatusCode, body)
	}
	m := finderUnit.FindSubmatch(body)
	if m == nil {
		if !bytes.Contains(body, []byte("keine zuständige Stelle")) {
			return unitAnswer{}, fmt.Errorf("the page names no unit and no reason: %.300s", body)
		}
		return unitAnswer{}, nil
	}
	return unitAnswer{id: html.UnescapeString(string(m[1])), name: html.UnescapeString(string(m[2]))}, nil
}

// askRoutes asks GET /v1/routes as a vendor, with a fresh token when
// the last one expired.
func askRoutes(base string, tokens *tokenSource, p pair) (unitAnswer, error) {
	for fresh := false; ; fresh = true {
		token, err := tokens.get(fresh)
		if err != nil {
			return unitAnswer{}, err
		}
		a, expired, err := askRoutesWith(base, token, p)
		if !expired || fresh {
			return a, err
		}
	}
}

func askRoutesWith(base, token string, p pair) (a unitAnswer, expired bool, err error) {
	req, err := http.NewRequest(http.MethodGet, base+"/v1/routes?leikaKey="+p.leika+"&ars="+p.ars, nil)
	if err != nil {
		return unitAnswer{}, false, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := pairsClient.Do(req)
	if err != nil {
		return unitAnswer{}, false, err
	}
	defer res.Body.Close()
	switch res.StatusCode {
	case http.StatusOK:
		var list struct {
			Routes []struct {
				Unit struct{ ID, Name string } `json:"organisationalUnit"`
			} `json:"routes"`
		}
		if err := json.NewDecoder(res.Body).Decode(&list); err != nil || len(list.Routes) == 0 {
			return unitAnswer{}, false, fmt.Errorf("200 without routes: %v", err)
		}
		a := unitAnswer{routed: true, id: list.Routes[0].Unit.ID, name: list.Routes[0].Unit.Name}
		for _, r := range list.Routes[1:] {
			if r.Unit.ID != a.id {
				return unitAnswer{}, false, fmt.Errorf("routes of several units: %s and %s", a.id, r.Unit.ID)
			}
		}
		return a, false, nil
	case http.StatusNotFound:
		var prob struct{ Type, Detail string }
		if err := json.NewDecoder(res.Body).Decode(&prob); err != nil {
			return unitAnswer{}, false, err
		}
		return unitAnswer{kind: strings.TrimPrefix(prob.Type, "/problems/"), detail: prob.Detail}, false, nil
	default:
		b, _ := io.ReadAll(res.Body)
		expired := res.StatusCode == http.StatusUnauthorized && bytes.Contains(b, []byte("token_expired"))
		return unitAnswer{}, expired, fmt.Errorf("status %d: %.200s", res.StatusCode, b)
	}
}

// tokenSource keeps the demo vendor's access token for routes:read.
type tokenSource struct {
	base, id, secret string
	mu               sync.Mutex
	token            string
}

// get returns the token, a new one when fresh is set or none is there.
func (s *tokenSource) get(fresh bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && !fresh {
		return s.token, nil
	}
	req, _ := http.NewRequest(http.MethodPost, s.base+"/oauth2/token",
		strings.NewReader("grant_type=client_credentials&scope=routes:read"))
	req.SetBasicAuth(s.id, s.secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := pairsClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token: status %d: %v", res.StatusCode, err)
	}
	s.token = tok.AccessToken
	return s.token, nil
}
