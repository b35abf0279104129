package postmortem

import "strconv"

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sign(neg bool) string {
	if neg {
		return "-"
	}
	return ""
}
