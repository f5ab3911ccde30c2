package conformance

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// cleanForFilename lower-cases s and turns every character other than a
// letter or digit into '_', trimming the ends (Autobahn's rule).
func cleanForFilename(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = ' '
		}
	}
	return strings.ReplaceAll(strings.TrimSpace(string(b)), " ", "_")
}

// ReportBase is the file name, without extension, of a case's report.
func ReportBase(agent, id string) string {
	return cleanForFilename(agent) + "_case_" + strings.ReplaceAll(id, ".", "_")
}

// indexEntry is one case in index.json.
type indexEntry struct {
	Behavior        string `json:"behavior"`
	BehaviorClose   string `json:"behaviorClose"`
	Duration        int64  `json:"duration"`
	RemoteCloseCode *int   `json:"remoteCloseCode"`
	ReportFile      string `json:"reportfile"`
}

// WriteReports writes, under outdir: index.json (agent → case id →
// verdicts, Autobahn's shape), index.html (the summary table coloured by
// verdict) and, per agent and case, a JSON file and an HTML report.
func WriteReports(rs *Results, outdir string) error {
	if err := os.MkdirAll(outdir, 0o755); err != nil {
		return err
	}
	index := map[string]map[string]indexEntry{}
	for _, agent := range rs.Agents() {
		index[agent] = map[string]indexEntry{}
		for _, r := range rs.ForAgent(agent) {
			base := ReportBase(agent, r.ID)
			index[agent][r.ID] = indexEntry{r.Behavior, r.BehaviorCl, r.Duration, r.RemoteCloseCode, base + ".json"}
			if err := writeJSON(filepath.Join(outdir, base+".json"), r); err != nil {
				return err
			}
			if err := writeFile(filepath.Join(outdir, base+".html"), func(w *bufio.Writer) { caseHTML(w, r) }); err != nil {
				return err
			}
		}
	}
	if err := writeJSON(filepath.Join(outdir, "index.json"), index); err != nil {
		return err
	}
	return writeFile(filepath.Join(outdir, "index.html"), func(w *bufio.Writer) { indexHTML(w, rs) })
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "   ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func writeFile(path string, fill func(w *bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fill(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

const css = `body{font-family:sans-serif;font-size:14px;margin:1em 2em}
table{border-collapse:collapse}td{padding:2px 8px;border:1px solid #ccc}
.case_ok{background:#0a0;color:#fff}.case_non_strict{background:#9a0;color:#fff}
.case_info{background:#48c;color:#fff}.case_failed{background:#d00;color:#fff}
.case_unimplemented{background:#888;color:#fff}.case_missing{background:#eee;color:#666}
.case_almost{background:#d80;color:#fff}
.case_ok a,.case_non_strict a,.case_info a,.case_failed a,.case_almost a,.case_unimplemented a{color:#fff}
.case_category{font-weight:bold;background:#333;color:#fff}.case_subcategory{background:#ddd}
.case_text_block{border:1px solid #ccc;padding:8px;margin:8px 0}
pre{margin:0;font-size:12px}.wirelog_rx_octets{color:#060}.wirelog_tx_octets{color:#006}
.wirelog_rx_frame{color:#0a0}.wirelog_tx_frame{color:#00c}.wirelog_note{color:#a40}
.stats_total{font-weight:bold}`

// behaviorClass maps a behavior to a table colour and the word shown.
func behaviorClass(b string) (class, word string) {
	switch b {
	case OK:
		return "case_ok", "Pass"
	case NonStrict:
		return "case_non_strict", "Non-Strict"
	case Informational:
		return "case_info", "Info"
	case Unimplemented:
		return "case_unimplemented", "Unimplemented"
	}
	return "case_failed", "Fail"
}

func closeClass(r *CaseResult) (class, word string) {
	code := "None"
	if r.RemoteCloseCode != nil {
		code = fmt.Sprint(*r.RemoteCloseCode)
	}
	switch r.BehaviorCl {
	case OK:
		return "case_ok", code
	case Informational:
		return "case_info", code
	case FailedByClient:
		return "case_almost", code
	case WrongCode:
		return "case_non_strict", code
	case Unclean:
		return "case_failed", "Unclean"
	}
	return "case_failed", "Fail"
}

func indexHTML(w *bufio.Writer, rs *Results) {
	agents := rs.Agents()
	passed, failed := rs.Counts()
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>wstest report</title><style>%s</style></head><body>\n", css)
	fmt.Fprintf(w, "<h1>WebSocket conformance report</h1>\n<p>Generated %s by wstest (Autobahn testsuite cases). %d passed, %d failed.</p>\n",
		time.Now().UTC().Format(time.RFC3339), passed, failed)
	w.WriteString("<table><tr><td class=\"case_ok\">Pass</td><td class=\"case_non_strict\">Non-Strict</td><td class=\"case_info\">Info</td><td class=\"case_unimplemented\">Unimplemented</td><td class=\"case_failed\">Fail</td><td class=\"case_missing\">Missing</td></tr></table><br>\n")
	// The rows are the union of the cases any agent ran, in case order.
	seen := map[string]bool{}
	var ids []string
	for _, a := range agents {
		for _, r := range rs.ForAgent(a) {
			if !seen[r.ID] {
				seen[r.ID] = true
				ids = append(ids, r.ID)
			}
		}
	}
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
	w.WriteString("<table>\n")
	lastCat, lastSub := "", ""
	for _, id := range ids {
		// Like Autobahn, a new header row starts with each category and
		// each named subcategory (sections 2, 3 and 5 have none).
		cat, sub := Section(id), subcategories[subcategory(id)]
		if cat != lastCat || sub != lastSub {
			fmt.Fprintf(w, "<tr><td class=\"case_category\">%s %s</td>", cat, html.EscapeString(categories[cat]))
			for _, a := range agents {
				fmt.Fprintf(w, "<td class=\"case_category\" colspan=\"2\">%s</td>", html.EscapeString(a))
			}
			w.WriteString("</tr>\n")
			if sub != "" {
				fmt.Fprintf(w, "<tr><td class=\"case_subcategory\" colspan=\"%d\">%s %s</td></tr>\n", 1+2*len(agents), subcategory(id), html.EscapeString(sub))
			}
			lastCat, lastSub = cat, sub
		}
		fmt.Fprintf(w, "<tr><td>Case %s</td>", id)
		for _, a := range agents {
			r, ok := rs.Get(a, id)
			if !ok {
				w.WriteString("<td class=\"case_missing\" colspan=\"2\">Missing</td>")
				continue
			}
			bc, bw := behaviorClass(r.Behavior)
			cc, cw := closeClass(r)
			dur := ""
			if r.ReportTime {
				dur = fmt.Sprintf("<br>%d ms", r.Duration)
			}
			fmt.Fprintf(w, "<td class=\"%s\"><a href=\"%s.html\">%s</a>%s</td><td class=\"%s\">%s</td>", bc, ReportBase(a, id), bw, dur, cc, cw)
		}
		w.WriteString("</tr>\n")
	}
	w.WriteString("</table>\n</body></html>\n")
}

func caseHTML(w *bufio.Writer, r *CaseResult) {
	bc, bw := behaviorClass(r.Behavior)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Case %s</title><style>%s</style></head><body>\n", r.ID, css)
	fmt.Fprintf(w, "<p class=\"%s\" style=\"padding:6px\">%s - <b>Case %s</b> : %s - <b>%d</b> ms @ %s</p>\n", bc, html.EscapeString(r.Agent), r.ID, bw, r.Duration, r.Started)
	// Descriptions and expectations are wstest's own text with Autobahn's
	// markup; everything that came from the peer is escaped.
	fmt.Fprintf(w, "<div class=\"case_text_block\"><b>Case Description</b><br><br>%s</div>\n", r.Description)
	fmt.Fprintf(w, "<div class=\"case_text_block\"><b>Case Expectation</b><br><br>%s</div>\n", r.Expectation)
	var exp []string
	for _, v := range verdictOrder {
		if e, ok := r.Expected[v]; ok {
			exp = append(exp, v+": "+eventsString(e))
		}
	}
	fmt.Fprintf(w, "<div class=\"case_text_block\"><b>Case Outcome</b><br><br>%s<br><br><i>Expected:</i><br><pre>%s</pre><br><i>Observed:</i><br><pre>%s</pre></div>\n",
		html.EscapeString(r.Result), html.EscapeString(strings.Join(exp, "\n")), html.EscapeString(eventsString(r.Received)))
	fmt.Fprintf(w, "<div class=\"case_text_block\"><b>Case Closing Behavior</b><br><br>%s (%s)</div>\n<hr>\n", html.EscapeString(r.ResultClose), r.BehaviorCl)

	w.WriteString("<h2>Opening Handshake</h2>\n")
	fmt.Fprintf(w, "<pre>%s</pre><br>\n<pre>%s</pre>\n", html.EscapeString(strings.TrimSpace(r.HTTPRequest)), html.EscapeString(strings.TrimSpace(r.HTTPResponse)))
	if r.Extension != "" {
		fmt.Fprintf(w, "<p>Negotiated extension: %s</p>\n", html.EscapeString(r.Extension))
	}
	w.WriteString("<hr>\n")

	w.WriteString("<h2>Closing Behavior</h2>\n<table><tr><td>Key</td><td>Value</td><td>Description</td></tr>\n")
	row := func(k string, v any, d string) {
		fmt.Fprintf(w, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", k, html.EscapeString(showValue(v)), d)
	}
	row("isServer", r.IsServer, "True, iff I (the fuzzer) am a server, and the peer is a client.")
	row("closedByMe", r.ClosedByMe, "True, iff I have initiated closing handshake (that is, did send close first).")
	row("failedByMe", r.FailedByMe, "True, iff I have failed the WS connection (i.e. due to protocol error). Failing can be either by initiating closing handshake or brutal drop TCP.")
	row("droppedByMe", r.DroppedByMe, "True, iff I dropped the TCP connection.")
	row("wasClean", r.WasClean, "True, iff full WebSocket closing handshake was performed (close frame sent and received) _and_ the server dropped the TCP (which is its responsibility).")
	row("wasNotCleanReason", r.WasNotCleanReason, "When wasClean == False, the reason what happened.")
	row("wasServerConnectionDropTimeout", r.WasServerConnectionDropTimeout, "When we are a client, and we expected the server to drop the TCP, but that didn't happen in time, this gets True.")
	row("wasOpenHandshakeTimeout", r.WasOpenHandshakeTimeout, "When performing the opening handshake, but the peer did not finish in time, this gets True.")
	row("wasCloseHandshakeTimeout", r.WasCloseHandshakeTimeout, "When we initiated a closing handshake, but the peer did not respond in time, this gets True.")
	row("localCloseCode", r.LocalCloseCode, "The close code I sent in close frame (if any).")
	row("localCloseReason", r.LocalCloseReason, "The close reason I sent in close frame (if any).")
	row("remoteCloseCode", r.RemoteCloseCode, "The close code the peer sent me in close frame (if any).")
	row("remoteCloseReason", r.RemoteCloseReason, "The close reason the peer sent me in close frame (if any).")
	w.WriteString("</table>\n<hr>\n<h2>Wire Statistics</h2>\n")
	for _, st := range []struct {
		name string
		m    map[int]int
	}{{"Received", r.RxOctetStats}, {"Transmitted", r.TxOctetStats}} {
		fmt.Fprintf(w, "<h3>Octets %s by Chop Size</h3>\n<table><tr><td>Chop Size</td><td>Count</td><td>Octets</td></tr>\n", st.name)
		cnt, oct := 0, 0
		for _, k := range sortedKeys(st.m) {
			fmt.Fprintf(w, "<tr><td>%d</td><td>%d</td><td>%d</td></tr>\n", k, st.m[k], k*st.m[k])
			cnt += st.m[k]
			oct += k * st.m[k]
		}
		fmt.Fprintf(w, "<tr class=\"stats_total\"><td>Total</td><td>%d</td><td>%d</td></tr></table>\n", cnt, oct)
	}
	for _, st := range []struct {
		name string
		m    map[int]int
	}{{"Received", r.RxFrameStats}, {"Transmitted", r.TxFrameStats}} {
		fmt.Fprintf(w, "<h3>Frames %s by Opcode</h3>\n<table><tr><td>Opcode</td><td>Count</td></tr>\n", st.name)
		cnt := 0
		for _, k := range sortedKeys(st.m) {
			fmt.Fprintf(w, "<tr><td>%d</td><td>%d</td></tr>\n", k, st.m[k])
			cnt += st.m[k]
		}
		fmt.Fprintf(w, "<tr class=\"stats_total\"><td>Total</td><td>%d</td></tr></table>\n", cnt)
	}
	w.WriteString("<hr>\n<h2>Wire Log</h2>\n")
	if !r.CreateWirelog {
		w.WriteString("<p><i>Wire log after handshake disabled!</i></p>\n")
	}
	for i, e := range r.Wirelog {
		fmt.Fprintf(w, "<pre class=\"%s\">%03d %s</pre>\n", wirelogClass(e), i, html.EscapeString(wirelogLine(e)))
	}
	end := "TCP DROPPED BY PEER"
	if r.DroppedByMe {
		end = "TCP DROPPED BY ME"
	}
	fmt.Fprintf(w, "<pre class=\"wirelog_note\">%03d %s</pre>\n</body></html>\n", len(r.Wirelog), end)
}

func sortedKeys(m map[int]int) []int {
	var ks []int
	for k := range m {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

// showValue prints a report value the way Autobahn's table does (None
// for nothing, True/False for booleans).
func showValue(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "True"
		}
		return "False"
	case *int:
		if x == nil {
			return "None"
		}
		return fmt.Sprint(*x)
	case *string:
		if x == nil {
			return "None"
		}
		return *x
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

func wirelogClass(e []any) string {
	switch e[0] {
	case "RO":
		return "wirelog_rx_octets"
	case "TO":
		return "wirelog_tx_octets"
	case "RF":
		return "wirelog_rx_frame"
	case "TF":
		return "wirelog_tx_frame"
	}
	return "wirelog_note"
}

// wirelogLine renders one wire log entry as Autobahn's report does.
func wirelogLine(e []any) string {
	arg := func(i int) string {
		if i < len(e) {
			return showValue(e[i])
		}
		return "None"
	}
	switch e[0] {
	case "RO":
		return "RX OCTETS: " + arg(1)
	case "TO":
		return "TX OCTETS: " + arg(1)
	case "RF":
		return fmt.Sprintf("RX FRAME : OPCODE=%s, FIN=%s, RSV=%s, MASKED=%s, MASK=%s\n                %s", arg(2), arg(3), arg(4), arg(5), arg(6), arg(1))
	case "TF":
		return fmt.Sprintf("TX FRAME : OPCODE=%s, FIN=%s, RSV=%s, MASK=%s, PAYLOAD-REPEAT-LEN=%s, CHOPSIZE=%s, SYNC=%s\n                %s", arg(2), arg(3), arg(4), arg(5), arg(6), arg(7), arg(8), arg(1))
	case "CT":
		return fmt.Sprintf("DELAY %s sec for TAG %s", arg(1), arg(2))
	case "CTE":
		return "DELAY TIMEOUT on TAG " + arg(1)
	case "KL":
		return fmt.Sprintf("FAIL CONNECTION AFTER %s sec", arg(1))
	case "KLE":
		return "FAILING CONNECTION"
	case "TI":
		return fmt.Sprintf("CLOSE CONNECTION AFTER %s sec", arg(1))
	case "TIE":
		return "CLOSING CONNECTION"
	case "WLM":
		if arg(1) == "True" {
			return "WIRELOG ENABLED"
		}
		return "WIRELOG DISABLED"
	case "TRUNC":
		return fmt.Sprintf("WIRE LOG TRUNCATED AFTER %s ENTRIES", arg(1))
	case "ERR":
		return "PROTOCOL VIOLATION BY PEER: " + arg(1)
	}
	return fmt.Sprint(e...)
}
