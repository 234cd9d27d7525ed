// Package digest mirrors github.com/opencontainers/go-digest's Digest: a string type with methods.
package digest

import "strings"

// Algorithm names a digest algorithm (sha256, ...).
type Algorithm string

func (a Algorithm) String() string { return string(a) }

// Digest is "algorithm:encoded".
type Digest string

func (d Digest) sepIndex() int { return strings.Index(string(d), ":") }

// Algorithm returns the algorithm part.
func (d Digest) Algorithm() Algorithm { return Algorithm(d[:d.sepIndex()]) }

// Encoded returns the encoded part.
func (d Digest) Encoded() string { return string(d[d.sepIndex()+1:]) }

// Hex is the deprecated alias of Encoded.
func (d Digest) Hex() string { return d.Encoded() }

func (d Digest) String() string { return string(d) }
