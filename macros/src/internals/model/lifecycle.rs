//! The fields that carry a lifecycle flag: the version, timestamps, TTL, unique values and
//! generated ids.

use crate::internals::attr::flag::Flag;
use crate::internals::model::field::Field;

/// Field positions by role; for the single-field roles, the first field flagged (a second
/// is reported by the checks).
#[derive(Default)]
pub(crate) struct Lifecycle {
    pub(crate) version: Option<usize>,
    pub(crate) created_at: Option<usize>,
    pub(crate) updated_at: Option<usize>,
    pub(crate) ttl: Option<usize>,
    pub(crate) unique: Vec<usize>,
    pub(crate) generated: Vec<usize>,
}

impl Lifecycle {
    /// The lifecycle roles of `fields`.
    pub(crate) fn of(fields: &[Field<'_>]) -> Self {
        let all = |flag| -> Vec<usize> { flagged(fields, flag).collect() };
        let first = |flag| flagged(fields, flag).next();
        Lifecycle {
            version: first(Flag::Version),
            created_at: first(Flag::CreatedAt),
            updated_at: first(Flag::UpdatedAt),
            ttl: first(Flag::Ttl),
            unique: all(Flag::Unique),
            generated: all(Flag::Generated),
        }
    }

    /// The fields the key-template rules apply to: version, timestamps, TTL, then unique
    /// fields.
    pub(crate) fn keyed(&self) -> impl Iterator<Item = usize> + '_ {
        self.version
            .iter()
            .chain(&self.created_at)
            .chain(&self.updated_at)
            .chain(&self.ttl)
            .chain(&self.unique)
            .copied()
    }
}

/// The positions of the fields carrying `flag`, in order.
pub(crate) fn flagged<'f>(fields: &'f [Field<'_>], flag: Flag) -> impl Iterator<Item = usize> + 'f {
    fields
        .iter()
        .enumerate()
        .filter(move |(_, f)| f.has(flag))
        .map(|(i, _)| i)
}
