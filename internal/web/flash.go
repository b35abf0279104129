package web

import "net/http"

// Flash messages on pages open to everyone: a redirect after a change
// names what happened by a code (?flash=subscribed), and the page shows
// that code's fixed sentence. Text in the URL is never shown: anyone can
// send a link to one of our pages carrying words of their choosing ("Your
// account is suspended, call …"), and the page would say them in our name.
// An unknown code shows nothing.

// flashCode names a flash message.
type flashCode string

const (
	flashSignedOut           flashCode = "signedout"
	flashPasswordChanged     flashCode = "pwchanged"
	flashSubscribeStarted    flashCode = "subscribed"
	flashJobRetried          flashCode = "jobretried"
	flashJobDiscarded        flashCode = "jobdiscarded"
	flashTaskAdded           flashCode = "taskadded"
	flashTaskStarted         flashCode = "taskstarted"
	flashTaskDone            flashCode = "taskdone"
	flashTaskBlocked         flashCode = "taskblocked"
	flashTaskSkipped         flashCode = "taskskipped"
	flashTaskReopened        flashCode = "taskreopened"
	flashTaskAssigned        flashCode = "taskassigned"
	flashTaskTicked          flashCode = "taskticked"
	flashTaskNotes           flashCode = "tasknotes"
	flashTaskDue             flashCode = "taskdue"
	flashPlanApplied         flashCode = "planapplied"
	flashPlanDetached        flashCode = "plandetached"
	flashAssessed            flashCode = "assessed"
	flashAssetAdded          flashCode = "assetadded"
	flashAssetMoved          flashCode = "assetmoved"
	flashAssetAccepted       flashCode = "assetaccepted"
	flashCredentialAdded     flashCode = "credadded"
	flashCredentialMoved     flashCode = "credmoved"
	flashFixAdded            flashCode = "fixadded"
	flashFixUpdated          flashCode = "fixupdated"
	flashEvidenceAdded       flashCode = "evidenceadded"
	flashEvidenceTransferred flashCode = "evidencemoved"
	flashEvidenceDisposed    flashCode = "evidencedisposed"
	flashIndicatorsAdded     flashCode = "iocsadded"
	flashIndicatorUpdated    flashCode = "iocupdated"
)

// flashText is every flash message by its code.
var flashText = map[flashCode]string{
	flashSignedOut:           "You are signed out.",
	flashPasswordChanged:     "Your password is changed. Sign in with the new one.",
	flashSubscribeStarted:    "Check your inbox: we sent a link to confirm your subscription. It works for 24 hours.",
	flashJobRetried:          "The job is due again and runs in a moment.",
	flashJobDiscarded:        "The job is discarded: kept for the record, never run.",
	flashTaskAdded:           "The task is added.",
	flashTaskStarted:         "The task is in progress.",
	flashTaskDone:            "The task is done.",
	flashTaskBlocked:         "The task is blocked.",
	flashTaskSkipped:         "The task is skipped.",
	flashTaskReopened:        "The task is open again.",
	flashTaskAssigned:        "The task's assignee is changed.",
	flashTaskTicked:          "The checklist is updated.",
	flashTaskNotes:           "The task's notes are saved.",
	flashTaskDue:             "The task's due time is set.",
	flashPlanApplied:         "The plan is applied: its tasks are below.",
	flashPlanDetached:        "The plan is detached: its open tasks are removed, its done ones stay.",
	flashAssessed:            "The assessment is recorded.",
	flashAssetAdded:          "The asset is added.",
	flashAssetMoved:          "The asset's state is changed.",
	flashAssetAccepted:       "The asset is accepted unrestored: the incident may recover without it.",
	flashCredentialAdded:     "The credential is added.",
	flashCredentialMoved:     "The credential's state is changed.",
	flashFixAdded:            "The fix is added.",
	flashFixUpdated:          "The fix is updated.",
	flashEvidenceAdded:       "The evidence is added and its acquisition recorded on the incident's chain.",
	flashEvidenceTransferred: "The transfer of custody is recorded.",
	flashEvidenceDisposed:    "The disposal is recorded; the item and its history stay.",
	flashIndicatorsAdded:     "The indicators are added.",
	flashIndicatorUpdated:    "The indicator is changed.",
}

// withFlash is path with c's flash code in its query; path has no query
// or fragment of its own.
func withFlash(path string, c flashCode) string { return path + "?flash=" + string(c) }

// flashOf is the flash message r's URL names by code; "" for none or an
// unknown one.
func flashOf(r *http.Request) string { return flashText[flashCode(r.URL.Query().Get("flash"))] }
