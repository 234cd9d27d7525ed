// Command gotemplate-typed prints Go's text/template output over Go-typed values
// (structs, embedded structs, pointers, ints, time.Time, typed maps and slices,
// methods returning errors), as buildx's inspect model exposes them. The Python
// tests build the same values with ocitrace.template.gotypes and compare.
// Run: go run . > ../../fixtures/gotemplate-typed/cases.jsonl
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"text/template"
	"time"
)

type Platform struct {
	Architecture string   `json:"architecture"`
	OS           string   `json:"os"`
	OSVersion    string   `json:"os.version,omitempty"`
	OSFeatures   []string `json:"os.features,omitempty"`
	Variant      string   `json:"variant,omitempty"`
}

type History struct {
	Created    *time.Time `json:"created,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	EmptyLayer bool       `json:"empty_layer,omitempty"`
}

type Image struct {
	Created *time.Time `json:"created,omitempty"`
	Author  string     `json:"author,omitempty"`
	Platform
	History []History `json:"history,omitempty"`
}

type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	URLs        []string          `json:"urls,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *Platform         `json:"platform,omitempty"`
}

type stub struct {
	SLSA any `json:"SLSA,omitempty"`
}

type inputs struct {
	Name     string            `json:"name,omitempty"`
	Manifest any               `json:"manifest,omitempty"`
	Image    *Image            `json:"image,omitempty"`
	Missing  *Image            `json:"missing,omitempty"`
	Images   map[string]*Image `json:"images,omitempty"`
	Count    int
	Big      int64
	Ratio    float64
	Tags     []string
	Labels   map[string]string
	When     time.Time
	private  string
}

func (i *inputs) Provenance() (stub, error) {
	var slsa any
	_ = json.Unmarshal([]byte(`{"buildType":"https://mobyproject.org/buildkit@v1","n":1000000,"l":[1,"a",null]}`), &slsa)
	return stub{SLSA: slsa}, nil
}

func (i *inputs) Fail() (string, error) { return "", errors.New("attestation missing") }

var templates = []string{
	`{{.Name}}`,
	`{{.Count}} {{.Big}} {{.Ratio}} {{printf "%T %T %T %T" .Count .Big .Ratio .Tags}}`,
	`{{.Image.Created}}`,
	`{{.Image.OS}}/{{.Image.Architecture}}`,
	`{{.Image.Platform}}`,
	`{{printf "%+v" .Image.Platform}}`,
	`{{printf "%#v" .Image.Platform}}`,
	`{{.Image}}`,
	`{{json .Image}}`,
	`{{json .}}`,
	`{{.Nope}}`,
	`{{.Manifest.Nope}}`,
	`{{.Manifest.Digest}} {{.Manifest.Size}} {{printf "%T" .Manifest}}`,
	`{{.Manifest}}`,
	`{{.Provenance.SLSA.buildType}} {{.Provenance.SLSA.n}}`,
	`{{.Provenance}}`,
	`{{printf "%T" .Provenance}}`,
	`{{json .Provenance}}`,
	`x{{.Fail}}`,
	`{{.private}}`,
	`{{(index .Images "linux/arm64").Created}}`,
	`{{index .Images "linux/arm64"}}`,
	`{{index .Images "linux/amd64" | printf "%T"}}`,
	`{{(index .Images "linux/amd64").Author}}`,
	`{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}`,
	`{{len .Tags}} {{index .Tags 1}} {{.Tags}} {{slice .Tags 1}}`,
	`{{eq .Count 3}} {{lt .Ratio 1.0}} {{eq .Big 3}}`,
	`{{eq .Count 3.0}}`,
	`{{range .Count}}{{.}}{{end}}`,
	`{{range $i, $e := .Count}}{{end}}`,
	`{{.When}}`,
	`{{json .When}}`,
	`{{.Image.History}}`,
	`{{printf "%v %d %x %5.2f %q" .Count .Count .Count .Ratio .Tags}}`,
	`{{with .Image}}{{.Author}}{{end}}`,
	`{{.Missing}}`,
	`{{.Missing.OS}}`,
	`{{.Missing.Nope}}`,
	`{{json .Missing}}`,
	`{{if .Missing}}y{{else}}n{{end}}`,
	`{{.Labels.a}} {{.Labels.zz}}|{{index .Labels "zz"}}|{{printf "%q" (index .Labels "zz")}}`,
	`{{.Image.Platform.OSFeatures}} {{json .Image.Platform}}`,
	`{{printf "%v|%s|%d" .When .Image.Created .Count}}`,
	`{{.Count.Foo}}`,
	`{{.Name 1}}`,
	`{{index .Labels 1}}`,
	`{{len .Images}} {{len .Labels}}`,
	`{{printf "%#v" .Tags}} {{printf "%#v" .Labels}} {{printf "%#v" .Count}}`,
}

type result struct {
	Template string `json:"template"`
	Output   string `json:"output"`
	Error    string `json:"error,omitempty"`
}

func main() {
	created := time.Date(2022, 12, 16, 8, 26, 28, 651359794, time.UTC)
	hist := time.Date(2022, 12, 16, 8, 26, 0, 0, time.UTC)
	when := time.Date(2024, 5, 6, 7, 8, 9, 120000000, time.FixedZone("", 7200))
	img := &Image{
		Created:  &created,
		Platform: Platform{Architecture: "amd64", OS: "linux"},
		History:  []History{{Created: &hist, CreatedBy: "RUN <x> & y"}, {EmptyLayer: true}},
	}
	data := &inputs{
		Name:     "alpine:3.18",
		Manifest: Descriptor{MediaType: "application/vnd.oci.image.index.v1+json", Digest: "sha256:abc", Size: 1234},
		Image:    img,
		Images:   map[string]*Image{"linux/amd64": img, "linux/arm64": nil},
		Count:    3,
		Big:      1 << 40,
		Ratio:    0.5,
		Tags:     []string{"a", "b c"},
		Labels:   map[string]string{"b": "2", "a": "1<"},
		When:     when,
		private:  "p",
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, text := range templates {
		t := template.Must(template.New("").Funcs(template.FuncMap{"json": func(in any) string {
			b, _ := json.MarshalIndent(in, "", "  ")
			return string(b)
		}}).Parse(text))
		var buf bytes.Buffer
		err := t.Execute(&buf, data)
		r := result{Template: text, Output: buf.String()}
		if err != nil {
			r.Error = err.Error()
		}
		_ = enc.Encode(r)
	}
}
