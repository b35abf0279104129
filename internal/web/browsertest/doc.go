// Package browsertest holds the console's tests in a real headless Chromium.
// They live apart from package web so that each package stays well inside
// go test's per-package time limit under -race.
package browsertest
