package handlers

import "github.com/hotroso/hotroso/reports"

// chartLabels are the assists chart's words in lang.
func (d *base) chartLabels(lang string) reports.ChartLabels {
	return reports.ChartLabels{
		Title:    d.texts.T(lang, "chart.title"),
		Flow:     d.texts.T(lang, "chart.flow"),
		Ticket:   d.texts.T(lang, "chart.ticket"),
		InPerson: d.texts.T(lang, "chart.in_person"),
	}
}
