package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// ServerEntry is one server under test in a fuzzingclient spec.
type ServerEntry struct {
	Agent     string   `json:"agent"`
	URL       string   `json:"url"`
	Origin    string   `json:"origin,omitempty"`
	Protocols []string `json:"protocols,omitempty"`
}

// ClientSpec is a fuzzingclient configuration file, in Autobahn's format.
type ClientSpec struct {
	Outdir            string              `json:"outdir"`
	Servers           []ServerEntry       `json:"servers"`
	Cases             []string            `json:"cases"`
	ExcludeCases      []string            `json:"exclude-cases"`
	ExcludeAgentCases map[string][]string `json:"exclude-agent-cases"`
	// Options is Autobahn's protocol option map. wstest accepts the file
	// but applies only what it implements: none of Autobahn's options
	// change the cases of sections 1-10.
	Options map[string]any `json:"options,omitempty"`
}

// ServerSpec is a fuzzingserver configuration file, in Autobahn's format.
type ServerSpec struct {
	URL               string              `json:"url"`
	Outdir            string              `json:"outdir"`
	Cases             []string            `json:"cases"`
	ExcludeCases      []string            `json:"exclude-cases"`
	ExcludeAgentCases map[string][]string `json:"exclude-agent-cases"`
	Options           map[string]any      `json:"options,omitempty"`
}

// LoadClientSpec reads and checks a fuzzingclient spec file.
func LoadClientSpec(path string) (*ClientSpec, error) {
	var s ClientSpec
	if err := loadJSON(path, &s); err != nil {
		return nil, err
	}
	if s.Outdir == "" {
		s.Outdir = "./reports/servers"
	}
	if len(s.Cases) == 0 {
		s.Cases = []string{"*"}
	}
	if len(s.Servers) == 0 {
		return nil, fmt.Errorf("%s: no servers to test", path)
	}
	for i, srv := range s.Servers {
		if srv.URL == "" {
			return nil, fmt.Errorf("%s: servers[%d] has no url", path, i)
		}
		if s.Servers[i].Agent == "" {
			s.Servers[i].Agent = "UnknownServer"
		}
	}
	return &s, nil
}

// LoadServerSpec reads and checks a fuzzingserver spec file.
func LoadServerSpec(path string) (*ServerSpec, error) {
	var s ServerSpec
	if err := loadJSON(path, &s); err != nil {
		return nil, err
	}
	if s.Outdir == "" {
		s.Outdir = "./reports/clients"
	}
	if len(s.Cases) == 0 {
		s.Cases = []string{"*"}
	}
	if s.URL == "" {
		s.URL = "ws://127.0.0.1:9001"
	}
	return &s, nil
}

func loadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// agentExcluder is Autobahn's exclude-agent-cases: agent pattern to case
// patterns, both anchored at both ends, '*' matching any run.
type agentExcluder []struct {
	agent *regexp.Regexp
	cases []*regexp.Regexp
}

func anchoredGlob(p string) (*regexp.Regexp, error) {
	parts := strings.Split(p, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.Compile("^" + strings.Join(parts, ".*") + "$")
}

func newAgentExcluder(m map[string][]string) (agentExcluder, error) {
	var ex agentExcluder
	for a, cs := range m {
		ar, err := anchoredGlob(a)
		if err != nil {
			return nil, err
		}
		e := struct {
			agent *regexp.Regexp
			cases []*regexp.Regexp
		}{agent: ar}
		for _, c := range cs {
			cr, err := anchoredGlob(c)
			if err != nil {
				return nil, err
			}
			e.cases = append(e.cases, cr)
		}
		ex = append(ex, e)
	}
	return ex, nil
}

func (ex agentExcluder) excluded(agent, id string) bool {
	for _, e := range ex {
		if e.agent.MatchString(agent) {
			for _, c := range e.cases {
				if c.MatchString(id) {
					return true
				}
			}
		}
	}
	return false
}
