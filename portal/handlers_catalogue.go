package portal

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/amthub/amthub/hub"
	"github.com/amthub/amthub/hub/httpserver"
)

// defaultFeatured are the services of the seed the home page links to.
var defaultFeatured = []string{"99115005000000", "99115001000000", "99108001000000", "99050012104000",
	"99022003001000", "99099001000000"}

func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	featured, err := p.catalogue.ServiceNames(r.Context(), p.cfg.TenantID, p.cfg.Featured)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "home", "Verwaltungsleistungen finden", map[string]any{"Featured": featured})
}

// param returns a trimmed query parameter, cut to max characters.
func param(r *http.Request, name string, max int) string {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if !utf8.ValidString(v) {
		return ""
	}
	if utf8.RuneCountInString(v) > max {
		v = string([]rune(v)[:max])
	}
	return v
}

type searchView struct {
	Query, Place string
	PlaceFound   *Place
	PlaceMissing bool
	Result       *SearchResult
}

func (p *Portal) searchPage(w http.ResponseWriter, r *http.Request) {
	v := searchView{Query: param(r, "q", 200), Place: param(r, "ort", 100)}
	opts := SearchOptions{}
	if v.Place != "" {
		places, err := p.catalogue.Places(r.Context(), p.cfg.TenantID, v.Place)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		if len(places) == 0 {
			v.PlaceMissing = true
		} else {
			v.PlaceFound, opts.ARS = &places[0], places[0].ARS
		}
	}
	res, err := p.catalogue.Search(r.Context(), p.cfg.TenantID, v.Query, opts)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v.Result = res
	title := "Suche"
	if v.Query != "" {
		title = "Suchergebnisse für „" + v.Query + "“"
	}
	p.render(w, r, http.StatusOK, "results", title, v)
}

type serviceView struct {
	Service  *Service
	Sections []Section
	Place    string
	Choices  []Place
	Finding  *Finding
	Problem  string
}

func (p *Portal) servicePage(w http.ResponseWriter, r *http.Request) {
	s, err := p.catalogue.Service(r.Context(), p.cfg.TenantID, chi.URLParam(r, "key"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := serviceView{Service: s, Place: param(r, "ort", 100)}
	var notes map[string]string
	if v.Place != "" || r.URL.Query().Has("ars") {
		v.Finding, v.Choices, v.Problem, err = p.find(r, s.LeikaKey)
		if err != nil {
			p.fail(w, r, err)
			return
		}
		if v.Finding != nil {
			notes = v.Finding.Notes
		}
	}
	v.Sections = s.Sections(notes)
	p.render(w, r, http.StatusOK, "service", s.Name, v)
}

// find runs the responsibility finder for the request's place ("ort": name
// or postcode; "ars": a picked area). Several matching places come back as
// choices; a place without a responsible authority as a problem text.
func (p *Portal) find(r *http.Request, leikaKey string) (*Finding, []Place, string, error) {
	q := param(r, "ars", 12)
	if q == "" {
		q = param(r, "ort", 100)
	}
	places, err := p.catalogue.Places(r.Context(), p.cfg.TenantID, q)
	if err != nil {
		return nil, nil, "", err
	}
	switch {
	case len(places) == 0:
		return nil, nil, "Wir kennen keinen Ort in Sachsen mit diesem Namen oder dieser Postleitzahl.", nil
	case len(places) > 1 && !strings.EqualFold(places[0].Name, q) && !strings.EqualFold(cityOf(places[0].Name), q):
		return nil, places, "", nil
	}
	f, err := p.catalogue.Responsible(r.Context(), p.cfg.TenantID, leikaKey, places[0])
	if hub.IsCode(err, hub.ENOTFOUND) {
		return nil, nil, hub.ErrorMessage(err), nil
	}
	return f, nil, "", err
}

// cityOf drops the suffix of an official name ("Dresden, Stadt").
func cityOf(name string) string { return strings.TrimSpace(strings.Split(name, ",")[0]) }

func (p *Portal) authorityPage(w http.ResponseWriter, r *http.Request) {
	a, services, err := p.catalogue.Authority(r.Context(), p.cfg.TenantID, chi.URLParam(r, "id"))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "authority", a.Name, map[string]any{"Authority": a, "Services": services})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_ = json.NewEncoder(w).Encode(v)
}

// apiSearch answers GET /api/suche?q=…&ars=…&limit=… with a SearchResult.
func (p *Portal) apiSearch(w http.ResponseWriter, r *http.Request) {
	opts := SearchOptions{ARS: param(r, "ars", 12)}
	if opts.ARS != "" && !arsPrefixRe.MatchString(opts.ARS) {
		httpserver.WriteError(w, r, hub.FieldError("ars", "must be a regional key (ARS) of 2–12 digits"))
		return
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			httpserver.WriteError(w, r, hub.FieldError("limit", "must be 1–100"))
			return
		}
		opts.Limit = n
	}
	res, err := p.catalogue.Search(r.Context(), p.cfg.TenantID, param(r, "q", 200), opts)
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	writeJSON(w, res)
}

// apiPlaces answers GET /api/orte?q=… with up to 20 places.
func (p *Portal) apiPlaces(w http.ResponseWriter, r *http.Request) {
	places, err := p.catalogue.Places(r.Context(), p.cfg.TenantID, param(r, "q", 100))
	if err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	if places == nil {
		places = []Place{}
	}
	writeJSON(w, map[string]any{"places": places})
}

// apiFinder answers GET /api/leistungen/{key}/zustaendigkeit?ars=… (or
// ?ort=name-or-postcode) with the responsible authority.
func (p *Portal) apiFinder(w http.ResponseWriter, r *http.Request) {
	key := chi.URLParam(r, "key")
	if _, err := p.catalogue.Service(r.Context(), p.cfg.TenantID, key); err != nil {
		httpserver.WriteError(w, r, err)
		return
	}
	f, choices, problem, err := p.find(r, key)
	switch {
	case err != nil:
		httpserver.WriteError(w, r, err)
	case choices != nil:
		httpserver.WriteError(w, r, &hub.Error{Code: hub.ECONFLICT, Kind: "place_ambiguous", Field: "ort",
			Message: "Mehrere Orte passen; bitte per ARS wählen: " + placeList(choices)})
	case f == nil:
		httpserver.WriteError(w, r, &hub.Error{Code: hub.ENOTFOUND, Kind: "no_responsibility", Message: problem})
	default:
		writeJSON(w, f)
	}
}

func placeList(ps []Place) string {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		parts = append(parts, p.Name+" ("+p.ARS+")")
	}
	return strings.Join(parts, ", ")
}
