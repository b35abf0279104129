package plan

// LibraryRoles exposes the roles the built-in plans may name, for the test
// that keeps them equal to incident.Roles.
var LibraryRoles = libraryRoles
