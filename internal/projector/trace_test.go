package projector

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/plumbline/plumbline/internal/dbx/dbtest"
	"github.com/plumbline/plumbline/internal/store"
	"github.com/plumbline/plumbline/models"
)

// nodes renders a trace's nodes as "code@depth" in order.
func nodes(tr store.Trace) string {
	s := make([]string, len(tr.Nodes))
	for i, n := range tr.Nodes {
		s[i] = fmt.Sprintf("%s@%d", n.Code, n.Depth)
	}
	return strings.Join(s, " ")
}

// edges renders a trace's edges as "parent>child:qty@depth" in order.
func edges(tr store.Trace) string {
	s := make([]string, len(tr.Edges))
	for i, e := range tr.Edges {
		s[i] = fmt.Sprintf("%s>%s:%s@%d", e.Parent, e.Child, e.Quantity, e.Depth)
	}
	return strings.Join(s, " ")
}

func TestTrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		e.applyDirect(e.c.events, 100)
		cases := []struct {
			name      string
			forward   bool
			code      string
			depth     int
			nodes     string
			edges     string
			usages    string // batch:element of each usage, in order
			truncated bool
		}{
			{name: "cut bar back to its heat", code: "BAR-1",
				nodes: "BAR-1@0 COIL-1@1 HEAT-1@2",
				edges: "COIL-1>BAR-1:16@1 HEAT-1>COIL-1:40@2"},
			{name: "cut bar one step back", code: "BAR-1", depth: 1,
				nodes: "BAR-1@0 COIL-1@1", edges: "COIL-1>BAR-1:16@1", truncated: true},
			{name: "concrete back to cement and aggregate", code: "CON-1",
				nodes: "CON-1@0 AGG-1.1@1 CEM-1.1@1 AGG-1@2 CEM-1@2",
				edges: "AGG-1.1>CON-1:120@1 CEM-1.1>CON-1:40@1 AGG-1>AGG-1.1:120@2 CEM-1>CEM-1.1:40@2"},
			{name: "an origin has no parents", code: "HEAT-1", nodes: "HEAT-1@0"},
			{name: "heat forward to bars and where they went", forward: true, code: "HEAT-1",
				nodes:  "HEAT-1@0 COIL-1@1 COIL-2@1 BAR-1@2 BAR-2@2",
				edges:  "HEAT-1>COIL-1:40@1 HEAT-1>COIL-2:40@1 COIL-1>BAR-1:16@2 COIL-1>BAR-2:16@2",
				usages: "BAR-1:column C3"},
			{name: "heat forward one step", forward: true, code: "HEAT-1", depth: 1,
				nodes: "HEAT-1@0 COIL-1@1 COIL-2@1", edges: "HEAT-1>COIL-1:40@1 HEAT-1>COIL-2:40@1", truncated: true},
			{name: "cement forward into concrete and the slab", forward: true, code: "CEM-1",
				nodes:  "CEM-1@0 CEM-1.1@1 CON-1@2 CON-2@2 CON-1.1@3",
				edges:  "CEM-1>CEM-1.1:40@1 CEM-1.1>CON-1:40@2 CEM-1.1>CON-2:40@2 CON-1>CON-1.1:5@3",
				usages: "CON-1:slab S2"},
			{name: "a used batch forward", forward: true, code: "BAR-1", nodes: "BAR-1@0", usages: "BAR-1:column C3"},
		}
		for _, tc := range cases {
			var tr store.Trace
			var err error
			if tc.forward {
				tr, err = e.st.Forward(e.ctx, tc.code, tc.depth)
			} else {
				tr, err = e.st.Backward(e.ctx, tc.code, tc.depth)
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var us []string
			for _, u := range tr.Usages {
				us = append(us, u.BatchCode+":"+u.Location.Element)
			}
			if nodes(tr) != tc.nodes || edges(tr) != tc.edges || strings.Join(us, " ") != tc.usages || tr.Truncated != tc.truncated {
				t.Errorf("%s:\n got nodes %s\n     edges %s\n     usages %s truncated %v\nwant nodes %s\n     edges %s\n     usages %s truncated %v",
					tc.name, nodes(tr), edges(tr), strings.Join(us, " "), tr.Truncated, tc.nodes, tc.edges, tc.usages, tc.truncated)
			}
		}
		tr, _ := e.st.Backward(e.ctx, "BAR-1", 0)
		if n := tr.Nodes[2]; n.HeatNumber != "H1" || n.Status != models.StatusRecalled || n.ProductID != rebar || n.Producer != steelco {
			t.Errorf("heat node = %+v", n)
		}
		for _, f := range []func() (store.Trace, error){
			func() (store.Trace, error) { return e.st.Backward(e.ctx, "NOPE", 0) },
			func() (store.Trace, error) { return e.st.Forward(e.ctx, "NOPE", 0) },
		} {
			if _, err := f(); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("trace of a missing batch: %v, want ErrNotFound", err)
			}
		}
	})
}
