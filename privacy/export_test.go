package privacy

import "regexp"

// idRun matches twelve digits in a row, as an ID-card number is written.
var idRun = regexp.MustCompile(`(^|\D)\d{12}(\D|$)`)
