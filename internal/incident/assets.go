package incident

import "context"

// OpenRecord is an affected asset or a compromised credential that holds
// up the next phase: Field names it in the refusal (assets.<identifier>,
// credentials.<id>), What says what it is, State where it stands.
type OpenRecord struct {
	Field string `json:"field"`
	What  string `json:"what"`
	State string `json:"state"`
}

// AssetSource tells an incident's affected assets not yet restored (nor
// accepted unrestored) and its confirmed credentials not yet revoked
// (package assets, through a small adapter where the app is wired).
type AssetSource interface {
	OpenRecords(ctx context.Context, v Viewer, inc Incident) (assets, credentials []OpenRecord, err error)
}

// SetAssets wires the source of open assets and credentials that
// recovering and eradicating check. Call it before serving.
func (s *Service) SetAssets(a AssetSource) { s.assets = a }

// assetRules are the requirements on an incident's records of entering
// eradicated (no confirmed credential unrevoked) and recovered (no
// affected asset unrestored, unless accepted).
func assetRules(v *validator, to State, known Known) {
	switch to {
	case Eradicated:
		for _, c := range known.OpenCredentials {
			v.add(c.Field, "credential %s is %s: revoke it before eradicated", c.What, c.State)
		}
	case Recovered:
		for _, a := range known.OpenAssets {
			v.add(a.Field, "asset %s is %s: restore it, mark it not affected, or accept it unrestored with a reason before recovered", a.What, a.State)
		}
	}
}
