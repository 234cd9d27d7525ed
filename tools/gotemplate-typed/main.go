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
	"strings"
	"text/template"
	"time"
)

// Algorithm and Digest mirror go-digest's named string types and their value methods.
type Algorithm string

func (a Algorithm) String() string { return string(a) }
func (a Algorithm) Size() int {
	if a == "sha256" {
		return 32
	}
	return 0
}

type Digest string

func (d Digest) Algorithm() Algorithm { return Algorithm(string(d)[:d.sepIndex()]) }
func (d Digest) Encoded() string     { return string(d)[d.sepIndex()+1:] }
func (d Digest) Hex() string         { return d.Encoded() }
func (d Digest) String() string      { return string(d) }
func (d Digest) Validate() error {
	i := strings.Index(string(d), ":")
	if i <= 0 || i+1 == len(d) {
		return errors.New("invalid checksum digest format")
	}
	return nil
}
func (d Digest) sepIndex() int {
	i := strings.Index(string(d), ":")
	if i < 0 {
		panic("no ':' separator in digest " + string(d))
	}
	return i
}

// Level is a named int without methods; Code a named int with an Error method.
type Level int

type Code int

func (c Code) Error() string { return "code " + string(rune('0'+int(c))) }

type Outer struct {
	Inner *Platform
	Any   any
	Desc  Descriptor
	Lvl   Level
	Err   error
}

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
	Digest      Digest            `json:"digest"`
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
	Digests  []Digest
	Other    Digest
	Later    time.Time
	Zero     time.Time
	Stamp    *time.Time
	NilTime  *time.Time
	Elapsed  time.Duration
	Sizes    map[string]int64
	Counts   []int
	Small    []int8
	Outer    *Outer
	Descs    map[string]Descriptor
	Fn       func(int, string) string
	NoFn     func() string
	Iface    any
	Lvl      Level
	Code     Code
	Old      time.Time
	Durs     []time.Duration
	IntMap   map[int]string
	DigMap   map[Digest]int64
	U8       uint8
	U64      uint64
	F32      float32
	Bytes    []byte
	Plats    []Platform
}

func (i *inputs) Check(n int) (string, error) {
	if n < 0 {
		return "", errors.New("negative")
	}
	return strings.Repeat("+", n), nil
}

func (i *inputs) Add(a, b int) int { return a + b }

func (i *inputs) Join(sep string, parts ...string) string { return strings.Join(parts, sep) }

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
	// Methods on named non-struct types (go-digest's Digest).
	`{{.Manifest.Digest.Encoded}} {{.Manifest.Digest.Algorithm}} {{.Manifest.Digest.Hex}} {{.Manifest.Digest.String}}`,
	`{{printf "%T %T %v %s %q %x %d" .Manifest.Digest .Manifest.Digest.Algorithm .Manifest.Digest .Manifest.Digest .Manifest.Digest .Manifest.Digest .Manifest.Digest}}`,
	`{{printf "%#v %#v %+v" .Manifest.Digest .Manifest.Digest.Algorithm .Manifest.Digest}}`,
	`{{.Manifest.Digest.Algorithm.Size}} {{printf "%T" .Manifest.Digest.Algorithm.Size}}`,
	`{{.Manifest.Digest.Validate}}`,
	`{{printf "%v" .Manifest.Digest.Validate}}`,
	`{{if .Manifest.Digest.Validate}}bad{{else}}ok{{end}}`,
	`{{.Other.Validate}}`,
	`{{with .Other.Validate}}bad: {{.}} {{printf "%T" .}}{{end}}`,
	`{{.Other.Encoded}}`,
	`{{range .Digests}}{{.Encoded}},{{.Algorithm}};{{end}}`,
	`{{.Digests}} {{printf "%v|%q|%T" .Digests .Digests .Digests}}`,
	`{{index .Digests 1 | printf "%T"}} {{(index .Digests 1).Encoded}}`,
	`{{json .Digests}} {{json .Manifest.Digest}} {{json .Manifest.Digest.Algorithm}}`,
	`{{eq .Manifest.Digest "sha256:abc"}} {{ne .Other "x"}} {{lt .Other "z"}} {{len .Manifest.Digest}}`,
	`{{.Manifest.Digest.Nope}}`,
	`{{.Manifest.Digest.Encoded 1}}`,
	`{{slice .Manifest.Digest 0 6}} {{printf "%T" (slice .Manifest.Digest 0 6)}} {{index .Manifest.Digest 0}}`,
	`{{print .Manifest.Digest .Other}} {{println .Manifest.Digest 1}}`,
	`{{html .Other}} {{urlquery .Manifest.Digest}} {{js .Manifest.Digest}}`,
	`{{.Manifest}}`,
	`{{printf "%+v" .Manifest}}`,
	`{{.Lvl}} {{printf "%T %v %d %#v" .Lvl .Lvl .Lvl .Lvl}} {{eq .Lvl 2}}`,
	`{{.Code}} {{printf "%T %v %d %s" .Code .Code .Code .Code}}`,
	// time.Time methods.
	`{{.When.Year}} {{.When.Month}} {{.When.Day}} {{.When.Hour}} {{.When.Minute}} {{.When.Second}} {{.When.Nanosecond}} {{.When.YearDay}} {{.When.Weekday}}`,
	`{{printf "%d %v %s %T %T %q %x" .When.Month .When.Month .When.Weekday .When.Month .When.Weekday .When.Month .When.Weekday}}`,
	`{{.When.Unix}} {{.When.UnixNano}} {{.When.UnixMilli}} {{.When.UnixMicro}} {{printf "%T" .When.Unix}}`,
	`{{.When.UTC}} {{.When.IsZero}} {{.Zero.IsZero}} {{.Zero}} {{.Zero.Unix}} {{.Zero.Weekday}} {{.Zero.YearDay}}`,
	`{{.When.String}} {{.Stamp.String}} {{.Stamp}} {{.Stamp.Year}} {{.Stamp.Month}} {{.Stamp.UnixNano}}`,
	`{{.Image.Created.Year}} {{.Image.Created.Format "2006-01-02"}}`,
	`{{.When.Format "2006-01-02T15:04:05.999999999Z07:00"}}|{{.Stamp.Format "2006-01-02T15:04:05.999999999Z07:00"}}|{{.Zero.Format "2006-01-02T15:04:05Z07:00"}}`,
	`{{.When.Format "Mon Jan _2 15:04:05 MST 2006"}}|{{.Stamp.Format "Monday, 02-January-06 15:04:05 MST"}}`,
	`{{.When.Format "3:04PM 03 pm PM .000 .999 ,000 .000000000 .999999999 .9 .0"}}|{{.Stamp.Format ".000 .999 ,999 .00000 .9999999999"}}`,
	`{{.When.Format "-0700 -07:00 -07 -070000 -07:00:00 Z0700 Z07:00 Z07 Z070000 Z07:00:00"}}|{{.Stamp.Format "-0700 -07:00 -07 Z0700 Z07:00 Z07 Z070000 Z07:00:00 MST"}}`,
	`{{.When.Format "002 __2 _2 2 02 1 01 06 2006 _2006 Jan January Janx Mon Monday Monx 15 3 03 4 04 5 05"}}`,
	`{{.Stamp.Format "01/02 03:04:05PM '06 -0700"}}|{{.Stamp.Format "Jan 2, 2006 at 3:04pm (MST)"}}|{{.Stamp.Format ""}}|{{.Stamp.Format "no std here"}}`,
	`{{.Stamp.Format "2006-01-02T15:04:05.000000Z"}} {{.Stamp.Format "20060102150405"}} {{.Stamp.Format "15:04:05.00"}}`,
	`{{.Later.Format "Mon Monday Jan January 3PM 3pm"}} {{.Later.YearDay}} {{.Later.Weekday}} {{.Later.Hour}}`,
	`{{.NilTime.Year}}`,
	`{{.NilTime}} {{.NilTime.IsZero}}`,
	`{{.When.Before .Later}} {{.When.After .Later}} {{.When.Equal .When}} {{.When.Equal .When.UTC}} {{.Stamp.Before .When}} {{.When.After .Stamp}}`,
	`{{.Later.Sub .When}} {{printf "%T %d" (.Later.Sub .When) (.Later.Sub .When)}} {{.When.Sub .Later}} {{.When.Sub .When}}`,
	`{{.When.Add 3600000000000}} {{.When.Add -1500}} {{printf "%T" (.When.Add 1)}}`,
	`{{.When.Truncate 3600000000000}} {{.When.Round 1000000000}} {{.Stamp.Round 3600000000000}} {{.Stamp.Truncate 86400000000000}} {{.Stamp.Round 0}}`,
	`{{printf "%s|%v|%+v|%#v" .Stamp .Stamp .Stamp .Stamp}}`,
	`{{printf "%s|%v|%#v" .When .When .When}}`,
	`{{printf "%d" .Stamp}} {{printf "%d|%x" .Zero .Zero}}`,
	`{{printf "%#v" .Zero}} {{printf "%q" .Zero}}`,
	`{{.Elapsed}} {{.Elapsed.Hours}} {{.Elapsed.Minutes}} {{.Elapsed.Seconds}} {{.Elapsed.Milliseconds}} {{printf "%v %d %T %s" .Elapsed .Elapsed .Elapsed .Elapsed}}`,
	`{{json .When.Month}} {{json .Elapsed}} {{json .Stamp}} {{json .Zero}}`,
	`{{.When.Month.String}} {{eq .When.Month 5}} {{if eq .When.Weekday 1}}monday{{end}} {{lt .When.Day 10}}`,
	`{{.When.Format}}`,
	`{{.When.Format 1}}`,
	`{{.When.Nope}}`,
	`{{.When.Before .When.Year}}`,
	// Other typed values.
	`{{printf "%+v" .Outer}} {{printf "%#v" .Outer}}`,
	`{{.Outer}} {{.Outer.Any}} {{printf "%v" .Outer.Any}} {{.Outer.Err}} {{.Outer.Inner}}`,
	`{{.Outer.Any.x}}`,
	`{{.Outer.Inner.OS}}`,
	`{{.Descs}}`,
	`{{printf "%+v" .Descs}}`,
	`{{(index .Descs "zz").Size}} {{index .Descs "zz" | printf "%T"}} {{(index .Descs "a").Digest.Encoded}}`,
	`{{index .Sizes "zz"}} {{index .Sizes "a"}} {{printf "%T" (index .Sizes "zz")}} {{.Sizes.zz}} {{.Sizes.a}}`,
	`{{len .Sizes}} {{len .Counts}} {{len .Descs}} {{len .Small}}`,
	`{{.Counts}} {{printf "%v %d %x %03d %T" .Counts .Counts .Counts .Counts .Counts}}`,
	`{{.Small}} {{printf "%T %v %c" .Small .Small .Small}} {{index .Small 1}} {{printf "%T" (index .Small 1)}}`,
	`{{eq .Manifest.Size 1234}} {{printf "%d" .Manifest.Size}} {{lt .Manifest.Size 2000}} {{eq (index .Counts 0) 1}} {{eq .Big 1099511627776}}`,
	`{{printf "%5.1f|%-8.3f|%e|%g|%08.3f|%+.2f|%v" .Ratio .Ratio .Ratio .Ratio .Ratio .Ratio .Ratio}}`,
	`{{call .Fn 3 "x"}} {{printf "%T" .Fn}}`,
	`{{call .Fn "x" 3}}`,
	`{{call .Fn 3}}`,
	`{{call .NoFn}}`,
	`{{.Add 1 2}} {{.Join "," "a" "b"}} {{.Join "-"}} {{printf "%T" .Add}}`,
	`{{.Add 1}}`,
	`{{.Add "a" 2}}`,
	`{{.Add 1 2 | printf "%T"}} {{3 | .Add 4}}`,
	`{{.Iface}} {{printf "%v %T" .Iface .Iface}} {{if .Iface}}t{{else}}f{{end}}`,
	`{{.Iface.x}}`,
	`{{json .Outer}} {{json .Descs}}`,
	`{{range $k, $v := .Descs}}{{$k}}={{$v.Size}}/{{$v.Digest.Encoded}};{{end}}`,
	`{{range $i, $c := .Counts}}{{$i}}:{{$c}} {{end}}{{range .Sizes}}{{.}} {{end}}`,
	`{{index .Counts 5}}`,
	`{{index .Sizes 1}}`,
	// More time: negative named zones, pre-1970 instants, AddDate normalisation, durations.
	`{{.Old}} {{.Old.Unix}} {{.Old.UnixMilli}} {{.Old.UnixMicro}} {{.Old.UnixNano}} {{.Old.UTC}} {{.Old.Weekday}} {{.Old.YearDay}}`,
	`{{.Old.Format "MST -0700 -07:00 -07 Z07:00 Z0700 -07:00:00 Z07:00:00 .999 .000 3PM 03:04:05.9999"}}`,
	`{{printf "%#v" .Old}} {{.Old.Format "2006-01-02T15:04:05.0000000000Z07:00"}} {{.Old.Format ".99999999999 ,99 .0 .9 .09"}}`,
	`{{.When.AddDate 0 1 25}} {{.Later.AddDate 0 3 0}} {{.Later.AddDate -1 -11 -30}} {{.Old.AddDate 100 0 0}}`,
	`{{.When.Compare .Later}} {{.Later.Compare .When}} {{.When.Compare .When.UTC}} {{.Old.Before .Zero}} {{.Zero.Before .Old}}`,
	`{{range .Durs}}{{.}} {{.Seconds}} {{.Milliseconds}}|{{end}}`,
	`{{range .Durs}}{{.Hours}} {{.Minutes}} {{.Microseconds}} {{.Nanoseconds}}|{{end}}`,
	`{{.Durs}} {{printf "%v %d %s %q" .Durs .Durs .Durs .Durs}} {{json .Durs}}`,
	`{{.Old.Round 3600000000000}} {{.Old.Truncate 60000000000}} {{.Old.Round 7}} {{.Zero.Add 1}}`,
	`{{.When.Format "Jan Janu Januar Mon Mond Monda MSTx _2006 __2 Z07 Z0"}}`,
	`{{.Old.Format "Monday January 2 15 03 3 4 5 PM pm"}}`,
	// Typed keys, unsigned and float32 kinds, builtins over typed values.
	`{{.IntMap}} {{index .IntMap 2}}|{{index .IntMap 9}}| {{range $k, $v := .IntMap}}{{$k}}{{$v}}{{end}} {{printf "%T %v %#v" .IntMap .IntMap .IntMap}}`,
	`{{.DigMap}} {{printf "%v %#v %T" .DigMap .DigMap .DigMap}} {{range $k, $v := .DigMap}}{{$k.Encoded}}={{$v}} {{end}}`,
	`{{index .DigMap "sha256:b"}}`,
	`{{.DigMap.x}}`,
	`{{index .IntMap "2"}}`,
	`{{.U8}} {{.U64}} {{printf "%d %x %o %b %c %q %U %v %T %T" .U8 .U64 .U8 .U8 .U8 .U8 .U8 .U64 .U8 .U64}} {{eq .U8 200}} {{lt .U64 0}}`,
	`{{.F32}} {{printf "%v %g %.3f %e %T" .F32 .F32 .F32 .F32 .F32}} {{json .F32}} {{lt .F32 1.0}}`,
	`{{.Bytes}} {{printf "%s %x %X %q %v %d %T" .Bytes .Bytes .Bytes .Bytes .Bytes .Bytes .Bytes}} {{json .Bytes}} {{len .Bytes}} {{index .Bytes 0}} {{slice .Bytes 1 2}}`,
	`{{.Plats}} {{printf "%+v" .Plats}} {{(index .Plats 1).OS}} {{len .Plats}} {{range .Plats}}{{.Architecture}},{{end}}`,
	`{{and .Count .Name}} {{or .Iface .Lvl}} {{not .NilTime}} {{and .Lvl .Other}} {{printf "%T" (or .Iface .Lvl)}}`,
	`{{with .Outer.Inner}}x{{else}}none{{end}} {{with .Outer}}{{.Lvl}}{{end}}`,
	`{{len .Outer}}`,
	`{{index .Outer 1}}`,
	`{{slice .Counts 1 2}} {{printf "%T" (slice .Counts 1)}} {{slice .Digests 1}}`,
	`{{call .Fn .Count "y"}} {{call .Fn .Lvl "z"}}`,
	`{{call .Fn .Code "y"}} {{call .Fn .U8 "" | len}}`,
	`{{.Check 3}} {{.Check 0 | printf "%q"}}`,
	`{{.Check -1}}`,
	`{{.Check .Big}}`,
	`{{.Check .Lvl}}`,
	`{{printf "%v|%+v|%d" .Outer.Desc .Outer.Desc .Outer.Desc.Size}}`,
	`{{printf "%s" .Outer}}`,
	`{{printf "%x" .Counts}} {{printf "%s" .Counts}} {{printf "%5d|%-5d|" .Counts .Lvl}}`,
	`{{print .Lvl .Count "a" .Lvl}} {{print .Manifest.Digest .Lvl}}`,
}

// formatLayouts sweeps time.Format's layout language over five instants (named, numeric,
// negative and UTC zones, the zero Time, nanosecond fractions).
var formatLayouts = []string{
	time.Layout, time.ANSIC, time.UnixDate, time.RubyDate, time.RFC822, time.RFC822Z,
	time.RFC850, time.RFC1123, time.RFC1123Z, time.RFC3339, time.RFC3339Nano, time.Kitchen,
	time.Stamp, time.StampMilli, time.StampMicro, time.StampNano, time.DateTime,
	time.DateOnly, time.TimeOnly,
	"2006-01-02 15:04:05.000000000 -07:00:00", ",999 ,000 .9 .0", "Z07:00:00 Z070000 -070000",
	"pm PM", "__2 002 _2", "06/1/2", "15h04m05s", "January 2, 2006 at 3:04:05.0 PM MST",
	"0000 9999 .9.99 05.0.00", "1 2 3 4 5 6", "2006-002", "_1 Jan2 Monday2006 JanuaryX",
	"Z MSTMST ZZ07 -07:0 -0700:00", "1.5 2006.05 01.0000 15:04:05,000", "2006-01-02T15:04:05.99Z07",
	".000000000000 .999999999999", "Mo Ja Ma MS", "3 03 15 4 04 5 05 .5 .05",
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
	stamp := time.Date(2023, 1, 2, 15, 4, 5, 123456789, time.UTC)
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
		Digests:  []Digest{"sha256:0123", "sha512:ff"},
		Other:    "nocolon",
		Later:    time.Date(2025, 11, 30, 23, 59, 59, 999999999, time.UTC),
		Stamp:    &stamp,
		Elapsed:  90*time.Minute + 1500*time.Millisecond,
		Sizes:    map[string]int64{"a": 7, "b": -3},
		Counts:   []int{1, 20, 300},
		Small:    []int8{65, -2},
		Outer:    &Outer{Desc: Descriptor{MediaType: "m", Digest: "sha256:abc", Size: 5}, Lvl: 3},
		Descs: map[string]Descriptor{
			"b": {MediaType: "x", Digest: "sha256:bb", Size: 2},
			"a": {MediaType: "y", Digest: "sha256:aa", Size: 1, Annotations: map[string]string{"k": "v"}},
		},
		Fn:    func(n int, s string) string { return strings.Repeat(s, n) },
		Lvl:   2,
		Code:  4,
		Old:   time.Date(1969, 7, 20, 20, 17, 40, 5, time.FixedZone("NST", -12600)),
		IntMap: map[int]string{10: "ten", 2: "two", -1: "neg"},
		DigMap: map[Digest]int64{"sha256:b": 2, "sha256:a": 1},
		U8:     200,
		U64:    1<<64 - 1,
		F32:    0.1,
		Bytes:  []byte("hi\x00\xff"),
		Plats:  []Platform{{Architecture: "amd64", OS: "linux"}, {Architecture: "arm64", OS: "darwin", Variant: "v8"}},
		Durs:  []time.Duration{0, 999, 1500, 1500000, -2500000000, 25 * time.Hour, -1, 1<<63 - 1},
	}
	for _, layout := range formatLayouts {
		q, _ := json.Marshal(layout)
		l := string(q)
		templates = append(templates, "{{.When.Format "+l+"}}|{{.Stamp.Format "+l+"}}|{{.Old.Format "+l+
			"}}|{{.Later.Format "+l+"}}|{{.Zero.Format "+l+"}}")
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
