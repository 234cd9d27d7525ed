// Command gotemplate-oracle executes Go text/template cases exactly as
// `docker buildx imagetools inspect --format` does, to produce the expected
// outputs for ocitrace's template engine tests.
//
// Input: JSON lines {"name", "template", "data" or "data_ref", optional
// "tname", "delims", "funcs"}, and dataset lines {"dataset", "data"} naming
// data shared by later cases; "data" is decoded by encoding/json into interface{}
// (numbers become float64), like buildx's decoded SLSA/SPDX predicates.
// Output: one JSON line per case echoing the input fields, then "ok", "output",
// "error", "phase" (parse or exec) and, when the text parsed, "reprint" (Go's
// tree.Root.String(), on which buildx branches). On an exec error, "output" holds what Go had written before the
// error (buildx streams it to stdout). Output that is not valid UTF-8 is also
// given base64-encoded in "output_b64".
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/template"
	"unicode/utf8"
)

type caseIn struct {
	Dataset  string          `json:"dataset"`
	DataRef  string          `json:"data_ref"`
	Name     string          `json:"name"`
	Template string          `json:"template"`
	Data     json.RawMessage `json:"data"`
	TName    string          `json:"tname"`
	Delims   []string        `json:"delims"`
	Funcs    []string        `json:"funcs"`
}

type caseOut struct {
	Name      string          `json:"name"`
	Template  string          `json:"template"`
	Data      json.RawMessage `json:"data,omitempty"`
	DataRef   string          `json:"data_ref,omitempty"`
	TName     string          `json:"tname,omitempty"`
	Delims    []string        `json:"delims,omitempty"`
	Funcs     []string        `json:"funcs,omitempty"`
	OK        bool            `json:"ok"`
	Output    string          `json:"output"`
	OutputB64 string          `json:"output_b64,omitempty"`
	Error     string          `json:"error,omitempty"`
	Phase     string          `json:"phase,omitempty"`
	Reprint   *string         `json:"reprint,omitempty"`
}

// buildxJSON is buildx's only extra template function (util/imagetools/printers.go).
func buildxJSON(in interface{}) string {
	b, _ := json.MarshalIndent(in, "", "  ")
	return string(b)
}

// extraFuncs are optional test helpers a case may ask for by name; the Python
// tests register equivalents.
var extraFuncs = template.FuncMap{
	// fail always returns an error: `error calling fail: boom`.
	"fail": func() (string, error) { return "", errors.New("boom") },
	// upper takes one string.
	"upper": func(s string) string { return strings.ToUpper(s) },
	// greeter returns a function value for `call`.
	"greeter": func() func(string) string {
		return func(s string) string { return "hello " + s }
	},
	// failer returns a function value that errors when called.
	"failer": func() func() (string, error) {
		return func() (string, error) { return "", errors.New("call failed") }
	},
}

func decodeData(raw json.RawMessage) (interface{}, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v interface{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// datasetLine defines named data that later cases use through "data_ref"; it
// is copied to the output unchanged so the fixture file stands alone.
type datasetLine struct {
	Dataset string          `json:"dataset"`
	Data    json.RawMessage `json:"data"`
}

func run(c caseIn, datasets map[string]json.RawMessage) caseOut {
	out := caseOut{Name: c.Name, Template: c.Template, Data: c.Data, DataRef: c.DataRef, TName: c.TName, Delims: c.Delims, Funcs: c.Funcs}
	raw := c.Data
	if c.DataRef != "" {
		var ok bool
		if raw, ok = datasets[c.DataRef]; !ok {
			out.Error = "unknown dataset " + c.DataRef
			out.Phase = "data"
			return out
		}
	}
	data, err := decodeData(raw)
	if err != nil {
		out.Error = "bad data: " + err.Error()
		out.Phase = "data"
		return out
	}
	t := template.New(c.TName).Funcs(template.FuncMap{"json": buildxJSON})
	if len(c.Funcs) > 0 {
		fm := template.FuncMap{}
		for _, n := range c.Funcs {
			f, ok := extraFuncs[n]
			if !ok {
				out.Error = "unknown extra func " + n
				out.Phase = "data"
				return out
			}
			fm[n] = f
		}
		t = t.Funcs(fm)
	}
	if len(c.Delims) == 2 {
		t = t.Delims(c.Delims[0], c.Delims[1])
	}
	t, err = t.Parse(c.Template)
	if err != nil {
		out.Error = err.Error()
		out.Phase = "parse"
		return out
	}
	{
		s := ""
		if t.Tree != nil && t.Tree.Root != nil {
			s = t.Tree.Root.String()
		}
		out.Reprint = &s
	}
	var buf bytes.Buffer
	err = t.Execute(&buf, data)
	out.Output = buf.String()
	if !utf8.ValidString(out.Output) {
		out.OutputB64 = base64.StdEncoding.EncodeToString(buf.Bytes())
	}
	if err != nil {
		out.Error = err.Error()
		out.Phase = "exec"
		return out
	}
	out.OK = true
	return out
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64<<20), 64<<20)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	seen := map[string]bool{}
	datasets := map[string]json.RawMessage{}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var c caseIn
		if err := json.Unmarshal([]byte(text), &c); err != nil {
			fmt.Fprintf(os.Stderr, "line %d: %v\n", line, err)
			os.Exit(2)
		}
		if c.Dataset != "" {
			datasets[c.Dataset] = c.Data
			if err := enc.Encode(datasetLine{c.Dataset, c.Data}); err != nil {
				fmt.Fprintf(os.Stderr, "line %d: %v\n", line, err)
				os.Exit(2)
			}
			continue
		}
		if seen[c.Name] {
			fmt.Fprintf(os.Stderr, "line %d: duplicate case name %q\n", line, c.Name)
			os.Exit(2)
		}
		seen[c.Name] = true
		out := run(c, datasets)
		if out.Phase == "data" {
			fmt.Fprintf(os.Stderr, "line %d: case %q: %s\n", line, c.Name, out.Error)
			os.Exit(2)
		}
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(os.Stderr, "line %d: %v\n", line, err)
			os.Exit(2)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
