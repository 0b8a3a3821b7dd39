package mailbox

import (
	"html"
	"regexp"
	"strings"
)

// RenderHTML returns the body as safe HTML: every character the sender
// wrote is escaped first, so HTML or script in it stays text; for
// markdown, a small subset is then turned into markup — paragraphs, line
// breaks, **bold**, *italic*, "- " lists and [links](https://…) (https
// only, opened without referrer or opener).
func RenderHTML(body, format string) string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var b strings.Builder
	for _, block := range strings.Split(body, "\n\n") {
		block = strings.Trim(block, "\n")
		if block == "" {
			continue
		}
		lines := strings.Split(block, "\n")
		if format == FormatMarkdown && allItems(lines) {
			b.WriteString("<ul>")
			for _, l := range lines {
				b.WriteString("<li>" + inline(strings.TrimSpace(l)[2:]) + "</li>")
			}
			b.WriteString("</ul>\n")
			continue
		}
		b.WriteString("<p>")
		for i, l := range lines {
			if i > 0 {
				b.WriteString("<br>")
			}
			if format == FormatMarkdown {
				b.WriteString(inline(l))
			} else {
				b.WriteString(html.EscapeString(l))
			}
		}
		b.WriteString("</p>\n")
	}
	return b.String()
}

func allItems(lines []string) bool {
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "- ") {
			return false
		}
	}
	return true
}

var (
	linkRe   = regexp.MustCompile(`\[([^\]\n]{1,200})\]\((https://[^\s()<>"']{1,1000})\)`)
	boldRe   = regexp.MustCompile(`\*\*([^*\n]{1,500})\*\*`)
	italicRe = regexp.MustCompile(`\*([^*\n]{1,500})\*`)
)

// inline escapes one line, then applies links, bold and italic to the
// escaped text (so their content stays escaped too).
func inline(s string) string {
	type link struct{ text, url string }
	var links []link
	s = linkRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRe.FindStringSubmatch(m)
		links = append(links, link{sub[1], sub[2]})
		return "\x00" + string(rune('0'+len(links)-1)) + "\x00"
	})
	s = html.EscapeString(s)
	s = boldRe.ReplaceAllString(s, "<strong>$1</strong>")
	s = italicRe.ReplaceAllString(s, "<em>$1</em>")
	for i, l := range links {
		a := `<a href="` + html.EscapeString(l.url) + `" rel="noopener noreferrer nofollow" target="_blank">` + html.EscapeString(l.text) + `</a>`
		s = strings.Replace(s, "\x00"+string(rune('0'+i))+"\x00", a, 1)
	}
	return s
}
