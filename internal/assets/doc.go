// Package assets keeps the records of what an incident touched: the
// affected assets with their state from suspected to verified, the
// compromised credentials from suspected to verified unused, and the
// fixes applied to close the way in (issue #16).
//
// Assets are also an inventory across incidents: the same kind and
// identifier are the same asset, whose owner and criticality are kept
// once. Every change is an event on the incident's hash chain (asset.,
// credential., fix.), written with the rows in one transaction, the way
// package duties writes facts (see package incident, "How a change is
// written"). Recovering an incident needs its confirmed assets restored
// or accepted, eradicating it its confirmed credentials revoked: the
// incident service asks this package through incident.RecordGaps.
package assets
