// Package guardpage gives tests memory that sits between two unmapped pages,
// so that an assembly kernel reading or writing one byte outside the slice it
// was given crashes the test instead of silently passing.
package guardpage

// Region is a run of readable, writable pages with an unmapped (PROT_NONE)
// page on each side.
type Region struct {
	mem  []byte // the whole mapping, guards included
	data []byte // the accessible pages between the guards
}

// Head returns a slice of length n that starts at the first byte after the
// leading guard page. n must not exceed Size.
func (r *Region) Head(n int) []byte { return r.data[:n:n] }

// Tail returns a slice of length n that ends at the last byte before the
// trailing guard page, so the byte after it is unmapped. n must not exceed
// Size.
func (r *Region) Tail(n int) []byte {
	return r.data[len(r.data)-n:]
}

// Size is the number of accessible bytes.
func (r *Region) Size() int { return len(r.data) }
