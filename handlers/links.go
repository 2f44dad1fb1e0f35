package handlers

import (
	"net/url"
	"regexp"
	"strings"
)

// linkPattern finds web links in a text: with a scheme, or starting with
// www., or a bare domain with a path.
var linkPattern = regexp.MustCompile(`(?i)\b(?:https?://[^\s<>"]+|www\.[^\s<>"]+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/[^\s<>"]*)`)

// links returns the links in text.
func links(text string) []string { return linkPattern.FindAllString(text, -1) }

// linkHost returns the lowercased host of a link found by linkPattern.
func linkHost(link string) string {
	if !strings.Contains(link, "://") {
		link = "https://" + link
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
}

// allowedLink reports whether the link's host is an allowed domain or one
// of its subdomains.
func allowedLink(link string, allowlist []string) bool {
	host := linkHost(link)
	if host == "" {
		return false
	}
	for _, domain := range allowlist {
		domain = strings.ToLower(strings.TrimSpace(domain))
		if host == domain || strings.HasSuffix(host, "."+domain) {
			return true
		}
	}
	return false
}

// disallowedLinks returns the links in text whose domain is not allowed.
func disallowedLinks(text string, allowlist []string) []string {
	var out []string
	for _, l := range links(text) {
		if !allowedLink(l, allowlist) {
			out = append(out, l)
		}
	}
	return out
}
