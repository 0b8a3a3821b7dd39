package openapi

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// docsPage renders the spec as one HTML page: every operation with its
// parameters, body and answers, then every schema. Server-rendered, no
// scripts, so it works offline and under a strict CSP.
var docsPage = template.Must(template.New("docs").Funcs(template.FuncMap{
	"lower": strings.ToLower,
	"ref":   schemaName,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Info.Title}} {{.Info.Version}}</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1a1a1a}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}
.op{border:1px solid #ccc;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700}
.get{color:#0b5394}.post{color:#1e6b1e}.put{color:#7a4a00}.delete{color:#a00}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
</style></head><body>
<h1>{{.Info.Title}} <small>{{.Info.Version}}</small></h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<pre>{{.Info.Description}}</pre>
<h2>Operations</h2>
{{range .Ops}}<section class="op" id="{{.ID}}">
<h3><span class="m {{lower .Method}}">{{.Method}}</span> <code>{{.Path}}</code></h3>
<p>{{.Op.Summary}}{{with .Scopes}} — scopes: {{range .}}<code>{{.}}</code> {{end}}{{end}}</p>
{{with .Op.Description}}<pre>{{.}}</pre>{{end}}
{{with .Op.Parameters}}<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>
{{range .}}<tr><td><code>{{.Value.Name}}</code></td><td>{{.Value.In}}</td><td>{{.Value.Required}}</td><td>{{.Value.Description}}</td></tr>{{end}}</table>{{end}}
{{with .Op.RequestBody}}<p>Body: {{range $ct, $mt := .Value.Content}}<code>{{$ct}}</code> {{with $mt.Schema}}{{with ref .}}<a href="#schema-{{.}}">{{.}}</a>{{end}}{{end}} {{end}}</p>{{end}}
<p>Answers: {{range $code, $r := .Op.Responses.Map}}<code>{{$code}}</code> {{end}}</p>
</section>{{end}}
<h2>Schemas</h2>
{{range $name, $s := .Components.Schemas}}<section id="schema-{{$name}}"><h3>{{$name}}</h3>
<table><tr><th>property</th><th>type</th><th>description</th></tr>
{{range $p, $ps := $s.Value.Properties}}<tr><td><code>{{$p}}</code></td><td>{{with ref $ps}}<a href="#schema-{{.}}">{{.}}</a>{{else}}{{$ps.Value.Type}}{{with $ps.Value.Format}} ({{.}}){{end}}{{end}}</td><td>{{$ps.Value.Description}}</td></tr>{{end}}
</table></section>{{end}}
</body></html>`))

type docOp struct {
	ID, Method, Path string
	Scopes           []string
	Op               *openapi3.Operation
}

func schemaName(s *openapi3.SchemaRef) string {
	if s == nil || s.Ref == "" {
		return ""
	}
	return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
}

// renderDocs renders the reference page of doc, once, at start-up.
func renderDocs(doc *openapi3.T) ([]byte, error) {
	var ops []docOp
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			d := docOp{ID: op.OperationID, Method: method, Path: path, Op: op}
			if op.Security != nil {
				for _, req := range *op.Security {
					for _, scopes := range req {
						d.Scopes = append(d.Scopes, scopes...)
					}
				}
			}
			ops = append(ops, d)
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Path+ops[i].Method < ops[j].Path+ops[j].Method })
	var buf bytes.Buffer
	if err := docsPage.Execute(&buf, struct {
		*openapi3.T
		Ops []docOp
	}{doc, ops}); err != nil {
		return nil, fmt.Errorf("render api docs: %w", err)
	}
	return buf.Bytes(), nil
}

func (a *API) serveDocs(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(a.docs)
}
