// Package imagetools mirrors buildx's template input (util/imagetools/printers.go).
package imagetools

import (
	"errors"

	v1 "ocitrace/tools/inspect-oracle/v1"
)

type provenanceStub struct {
	SLSA interface{} `json:"SLSA,omitempty"`
}

type sbomStub struct {
	SPDX            interface{}   `json:"SPDX,omitempty"`
	AdditionalSPDXs []interface{} `json:"AdditionalSPDXs,omitempty"`
}

// Result holds the decoded attestations by platform (nil error: loaded fine).
type Result struct {
	Provenance map[string]interface{}
	SBOM       map[string][]interface{}
	ProvErr    string
	SBOMErr    string
}

type tplInput struct {
	Name     string    `json:"name,omitempty"`
	Manifest interface{} `json:"manifest,omitempty"`
	Image    *v1.Image `json:"image,omitempty"`

	result *Result
}

func (inp tplInput) SBOM() (sbomStub, error) {
	for _, docs := range inp.result.SBOM {
		return stub(docs), nil
	}
	return sbomStub{}, nil
}

func (inp tplInput) Provenance() (provenanceStub, error) {
	for _, p := range inp.result.Provenance {
		return provenanceStub{SLSA: p}, nil
	}
	return provenanceStub{}, nil
}

type tplInputs struct {
	Name     string               `json:"name,omitempty"`
	Manifest interface{}          `json:"manifest,omitempty"`
	Image    map[string]*v1.Image `json:"image,omitempty"`

	result *Result
}

func (inp tplInputs) SBOM() (map[string]sbomStub, error) {
	if inp.result.SBOMErr != "" {
		return nil, errors.New(inp.result.SBOMErr)
	}
	res := map[string]sbomStub{}
	for p, docs := range inp.result.SBOM {
		res[p] = stub(docs)
	}
	return res, nil
}

func (inp tplInputs) Provenance() (map[string]provenanceStub, error) {
	if inp.result.ProvErr != "" {
		return nil, errors.New(inp.result.ProvErr)
	}
	res := map[string]provenanceStub{}
	for p, pred := range inp.result.Provenance {
		res[p] = provenanceStub{SLSA: pred}
	}
	return res, nil
}

func stub(docs []interface{}) sbomStub {
	var s sbomStub
	for _, d := range docs {
		if s.SPDX == nil {
			s.SPDX = d
		} else {
			s.AdditionalSPDXs = append(s.AdditionalSPDXs, d)
		}
	}
	return s
}

// Single builds buildx's single-platform root.
func Single(name string, manifest interface{}, image *v1.Image, r *Result) interface{} {
	return tplInput{Name: name, Manifest: manifest, Image: image, result: r}
}

// Multi builds buildx's multi-platform root.
func Multi(name string, manifest interface{}, images map[string]*v1.Image, r *Result) interface{} {
	return tplInputs{Name: name, Manifest: manifest, Image: images, result: r}
}
