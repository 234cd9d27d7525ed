// Command inspect-oracle renders Go templates over buildx's imagetools inspect data model.
//
// Input (stdin, JSON): models built from raw bytes (top descriptor, index body, image
// configs, attestation predicates) and templates naming a model.  The structs are copies
// of buildx's and image-spec's, so output, %T and error texts are Go's own.  Output (stdout):
// one JSON object per template: id, model, template, output, error.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"text/template"

	"ocitrace/tools/inspect-oracle/digest"
	"ocitrace/tools/inspect-oracle/imagetools"
	v1 "ocitrace/tools/inspect-oracle/v1"
)

type model struct {
	ID         string                       `json:"id"`
	Name       string                       `json:"name"`
	Multi      bool                         `json:"multi"`
	Top        json.RawMessage              `json:"top"`
	Index      *string                      `json:"index"`
	Images     map[string]string            `json:"images"`
	Provenance map[string]string            `json:"provenance"`
	SBOM       map[string][]string          `json:"sbom"`
	ProvErr    string                       `json:"provenance_error"`
	SBOMErr    string                       `json:"sbom_error"`
}

type tcase struct {
	ID       string `json:"id"`
	Model    string `json:"model"`
	Template string `json:"template"`
}

type input struct {
	Models    []model `json:"models"`
	Templates []tcase `json:"templates"`
}

type result struct {
	ID       string `json:"id"`
	Model    string `json:"model"`
	Template string `json:"template"`
	Output   string `json:"output"`
	Error    string `json:"error"`
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func decode(raw string) interface{} {
	var v interface{}
	must(json.Unmarshal([]byte(raw), &v))
	return v
}

func root(m model) interface{} {
	var top v1.Descriptor
	must(json.Unmarshal(m.Top, &top))
	var manifest interface{} = top
	if m.Index != nil {
		var idx v1.Index
		must(json.Unmarshal([]byte(*m.Index), &idx))
		manifest = struct {
			SchemaVersion int               `json:"schemaVersion"`
			MediaType     string            `json:"mediaType,omitempty"`
			Digest        digest.Digest     `json:"digest"`
			Size          int64             `json:"size"`
			Manifests     []v1.Descriptor   `json:"manifests"`
			Annotations   map[string]string `json:"annotations,omitempty"`
		}{idx.SchemaVersion, idx.MediaType, top.Digest, top.Size, idx.Manifests, idx.Annotations}
	}
	r := &imagetools.Result{Provenance: map[string]interface{}{}, SBOM: map[string][]interface{}{}, ProvErr: m.ProvErr, SBOMErr: m.SBOMErr}
	for p, raw := range m.Provenance {
		r.Provenance[p] = decode(raw)
	}
	for p, raws := range m.SBOM {
		for _, raw := range raws {
			r.SBOM[p] = append(r.SBOM[p], decode(raw))
		}
	}
	images := map[string]*v1.Image{}
	for p, raw := range m.Images {
		var img v1.Image
		must(json.Unmarshal([]byte(raw), &img))
		images[p] = &img
	}
	if m.Multi {
		return imagetools.Multi(m.Name, manifest, images, r)
	}
	var one *v1.Image
	for _, img := range images {
		one = img
	}
	return imagetools.Single(m.Name, manifest, one, r)
}

func main() {
	var in input
	must(json.NewDecoder(os.Stdin).Decode(&in))
	roots := map[string]interface{}{}
	for _, m := range in.Models {
		roots[m.ID] = root(m)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, c := range in.Templates {
		res := result{ID: c.ID, Model: c.Model, Template: c.Template}
		tpl, err := template.New("").Funcs(template.FuncMap{
			"json": func(v interface{}) string {
				b, _ := json.MarshalIndent(v, "", "  ")
				return string(b)
			},
		}).Parse(c.Template)
		if err != nil {
			res.Error = err.Error()
		} else {
			var buf bytes.Buffer
			if err := tpl.Execute(&buf, roots[c.Model]); err != nil {
				res.Error = err.Error()
			}
			res.Output = buf.String()
		}
		must(enc.Encode(res))
	}
}
