//! What a failed write condition means, decided from the item as it was when the condition
//! failed (DynamoDB returns it with `ReturnValuesOnConditionCheckFailure::ALL_OLD`).

use aws_sdk_dynamodb::types::AttributeValue;

use super::guard::version;
use crate::Error;
use crate::entity::Def;
use crate::error::ConditionFailed;
use crate::item::Item;

/// Whether a guarded write of no declared entity type (a migration's rewrite, a shape
/// repair) lost its race: its guard failed because the item changed or went since it was
/// read. The classification of a raw plan's failed condition is one of these.
pub(crate) fn is_lost_race(error: &Error) -> bool {
    matches!(
        error,
        Error::ConditionFailed(_)
            | Error::NotFound { .. }
            | Error::WrongEntity { .. }
            | Error::MissingDiscriminator { .. }
    )
}

/// How to report a write's failed condition: plain data carried by every [`Plan`](super::Plan).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome {
    pub(crate) entity: &'static str,
    pub(crate) discriminator: &'static str,
    /// The version attribute and the largest version its type holds.
    pub(crate) version: Option<(&'static str, u64)>,
    /// The version the write expected to find.
    pub(crate) expected_version: Option<u64>,
    /// `create`: any item at the key means "already exists".
    pub(crate) create: bool,
    /// A put at version 0: an existing item of the same type means "already exists".
    pub(crate) first_version: bool,
    /// An update that increments the version under the `version < max` guard.
    pub(crate) increments: bool,
    /// Carry the old item in [`Error::ConditionFailed`].
    pub(crate) keep_old: bool,
    /// The shape the write required the stored item in (`None`: any).
    pub(crate) shape: Option<u32>,
    /// The oldest shape accepted besides `shape` (a delete: any shape it decodes); `None`:
    /// `shape` only.
    pub(crate) oldest_accepted: Option<u32>,
}

impl Outcome {
    pub(crate) fn of(def: &Def) -> Self {
        Self {
            entity: def.name(),
            discriminator: def.table.discriminator(),
            version: def.schema.version.map(|a| (a, def.schema.version_max)),
            expected_version: None,
            create: false,
            first_version: false,
            increments: false,
            keep_old: false,
            shape: None,
            oldest_accepted: None,
        }
    }

    /// For writes of no declared entity type (migration moves, sentinels).
    pub(crate) fn raw(entity: &'static str, discriminator: &'static str) -> Self {
        Self {
            entity,
            discriminator,
            version: None,
            expected_version: None,
            create: false,
            first_version: false,
            increments: false,
            keep_old: false,
            shape: None,
            oldest_accepted: None,
        }
    }

    /// The shape `old` is stored in, when the write required another one.
    pub(crate) fn other_shape(&self, old: &Item) -> Option<u32> {
        let current = self.shape?;
        let stored = crate::entity::stored_shape(old);
        // A malformed `_shape` reads as 0: never accepted.
        let oldest = self.oldest_accepted.unwrap_or(current).max(1);
        (!(oldest..=current).contains(&stored)).then_some(stored)
    }

    /// The error for a failed condition, given the item as it was (`None`: no item).
    pub(crate) fn classify(&self, old: Option<Item>) -> Error {
        let entity = self.entity;
        let Some(old) = old else {
            return match self.expected_version {
                Some(expected) if expected > 0 => Error::VersionConflict {
                    entity,
                    expected,
                    found: None,
                },
                _ => Error::NotFound { entity },
            };
        };
        if self.create {
            return Error::AlreadyExists { entity };
        }
        match old.get(self.discriminator) {
            Some(AttributeValue::S(found)) if found == entity && self.first_version => {
                Error::AlreadyExists { entity }
            }
            Some(AttributeValue::S(found)) if found == entity => {
                // The shape first: another shape's version attribute is not this one's.
                if let Some(stored) = self.other_shape(&old) {
                    return Error::Shape {
                        entity,
                        stored,
                        current: self.shape.unwrap_or(1),
                    };
                }
                if let Some((attribute, max)) = self.version {
                    let found = version::of(&old, attribute);
                    if let Some(expected) = self.expected_version
                        && found != Some(expected)
                    {
                        return Error::VersionConflict {
                            entity,
                            expected,
                            found,
                        };
                    }
                    // Only an increment without an expected version is guarded by the
                    // maximum (`version < max`).
                    if self.increments
                        && self.expected_version.is_none()
                        && found.is_some_and(|v| v >= max)
                    {
                        return Error::VersionExhausted { entity };
                    }
                }
                Error::ConditionFailed(Box::new(ConditionFailed::new(
                    entity,
                    self.keep_old.then_some(old),
                )))
            }
            Some(AttributeValue::S(found)) => Error::WrongEntity {
                expected: entity,
                found: crate::Redacted::text(found.clone()),
            },
            _ => Error::MissingDiscriminator {
                attribute: self.discriminator,
            },
        }
    }
}
