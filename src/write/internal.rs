//! The library's own items (unique-value sentinels, migration leases): how they are named, so that every
//! path — writes, queries, streams, migrations — recognises them the same way.

/// The discriminator of sentinel items, and the first segment of their keys.
pub(crate) const SENTINEL: &str = "_dynamorm.unique";

/// The discriminator of a shared migration's segment leases, and the first segment of their
/// keys (see `migrate::lease`).
pub(crate) const LEASE: &str = "_dynamorm.lease";

/// Whether a discriminator is that of the library's own items. Entity names may not start
/// with `_dynamorm.` (the derive refuses), so no entity's item matches, and an unknown
/// `_dynamorm.…` discriminator is unknown like any other.
pub(crate) fn is_internal(discriminator: &str) -> bool {
    discriminator == SENTINEL || discriminator == LEASE
}
