//! How an update keeps index keys right: the key actions its field actions imply, or a
//! refusal before sending when they cannot be known.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::entity::render_index;
use crate::entity::{Def, EntityIndex, EntitySchema, KeyParts};
use crate::expr::Action;
use crate::{Error, InvalidInputKind};

/// What keeping an update's index keys right reads and changes: the update's entity type,
/// its key parts, its actions (index-key actions are added) and the indexes it leaves to
/// the stored membership.
pub(super) struct IndexKeys<'a> {
    pub(super) def: &'static Def,
    /// The encoded primary-key parts, by slot.
    pub(super) key: &'a KeyParts,
    pub(super) actions: &'a mut Vec<Action>,
    pub(super) uncertain: &'a mut Vec<Uncertain>,
}

impl IndexKeys<'_> {
    /// Validates the actions and adds the index-key actions their fields imply.
    pub(super) fn sync(&mut self) -> Result<(), Error> {
        let schema = self.def.schema;
        if !schema.multi_indexes.is_empty() || !self.def.table.vector_indexes().is_empty() {
            self.check_multi_attribute_keys()?;
        }
        for (i, action) in self.actions.iter().enumerate() {
            self.check_action(&self.actions[..i], action)?;
        }
        let mut extra = Vec::new();
        for (first, layout) in schema.indexes.iter().enumerate() {
            let name = layout.index.name();
            // Every layout of an index is handled with its first.
            if !schema.indexes[..first]
                .iter()
                .any(|l| l.index.name() == name)
            {
                self.sync_index(first, layout, &mut extra)?;
            }
        }
        // Two indexes may share key attributes only if they are the same index, and one
        // layout per index is chosen, so `extra` never repeats an attribute.
        self.actions.extend(extra);
        Ok(())
    }

    /// Refuses an action DynamoDB or the design does not allow (`earlier`: the actions
    /// before it).
    fn check_action(&self, earlier: &[Action], action: &Action) -> Result<(), Error> {
        let schema = self.def.schema;
        let attribute = action.attribute();
        let path = action.path();
        path.check()?;
        // DynamoDB refuses two actions on one path, or on a path and one inside it.
        if let Some(other) = earlier.iter().find(|a| a.path().overlaps(path)) {
            return Err(Error::invalid_for(
                self.def.name(),
                InvalidInputKind::OverlappingPaths,
                if other.path() == path {
                    format!("`{path}` is written twice in one update")
                } else {
                    format!("`{}` and `{path}` overlap in one update", other.path())
                },
            ));
        }
        if path.is_nested()
            && (schema.key_slot(attribute).is_some()
                || schema.unique.iter().any(|u| u.attribute == attribute))
        {
            return Err(Error::invalid_for(
                self.def.name(),
                InvalidInputKind::KeyAttributeNotWritable,
                format!(
                    "`{path}` is inside a key or unique field, which only `set` or `remove` can change"
                ),
            ));
        }
        if schema.unique.iter().any(|u| u.attribute == attribute)
            && !matches!(action, Action::Set(..) | Action::Remove(_))
        {
            // Its sentinel moves with the value, which only `set` and `remove` name.
            return Err(Error::invalid_for(
                self.def.name(),
                InvalidInputKind::KeyAttributeNotWritable,
                format!("attribute `{attribute}` is unique; only `set` or `remove` can change it"),
            ));
        }
        if let Action::Add(_, step) = action
            && !matches!(
                step.get(),
                Ok(AttributeValue::N(_)
                    | AttributeValue::Ss(_)
                    | AttributeValue::Ns(_)
                    | AttributeValue::Bs(_))
                    | Err(_)
            )
        {
            return Err(Error::invalid_for(
                self.def.name(),
                InvalidInputKind::InvalidValue,
                format!("`ADD` on `{attribute}` needs a number or a set, not null"),
            ));
        }
        if let Action::Increment(_, step, _) = action
            && !matches!(step.get(), Ok(AttributeValue::N(_)) | Err(_))
        {
            return Err(Error::invalid_for(
                self.def.name(),
                InvalidInputKind::InvalidValue,
                format!("arithmetic on `{attribute}` needs a number, not null"),
            ));
        }
        if let Some(slot) = schema.key_slot(attribute)
            && !matches!(action, Action::Set(..) | Action::Remove(_))
        {
            return Err(Error::invalid_for(
                self.def.name(),
                InvalidInputKind::KeyAttributeNotWritable,
                format!(
                    "field `{}` is part of an index key; only `set` or `remove` can change it",
                    schema.key_fields[slot].field
                ),
            ));
        }
        Ok(())
    }

    /// Adds to `extra` the key actions of the index whose first layout is
    /// `schema.indexes[first]`, or defers them to the stored membership.
    fn sync_index(
        &mut self,
        first: usize,
        layout: &'static EntityIndex,
        extra: &mut Vec<Action>,
    ) -> Result<(), Error> {
        let schema = self.def.schema;
        let actions: &[Action] = self.actions;
        let value_of = |slot: usize| set_value(actions, schema.key_fields[slot].attribute);
        // Does this update move the index at all: a key field of any layout, or a field
        // that decides the layout?
        let touched = layouts_of(schema, first).any(|(_, l)| {
            update_fields(schema, l).any(|(_, slot)| value_of(slot).is_some())
                || l.when
                    .is_some_and(|w| set_value(actions, w.attribute).is_some())
        });
        if !touched {
            return Ok(());
        }
        match self.choose_layout(first, layout, &value_of)? {
            Choice::Deferred(uncertain) => {
                self.uncertain.push(uncertain);
                Ok(())
            }
            Choice::Layout(chosen) => self.index_actions(layout, chosen, &value_of, extra),
        }
    }

    /// The layout the updated item uses, decided as `to_item` does; every `when` it
    /// depends on must be in the update (the stored values are unknown).
    fn choose_layout<'a>(
        &self,
        first: usize,
        layout: &'static EntityIndex,
        value_of: &impl Fn(usize) -> Option<Option<&'a AttributeValue>>,
    ) -> Result<Choice, Error> {
        let schema = self.def.schema;
        let name = layout.index.name();
        let several = layouts_of(schema, first).nth(1).is_some();
        for (i, l) in layouts_of(schema, first) {
            let Some(when) = l.when else {
                return Ok(Choice::Layout(Some(l)));
            };
            let Some(value) = set_value(self.actions, when.attribute) else {
                // Only `updated_at` moves a one-layout index: its key follows whatever
                // membership is stored, which `send` reads first.
                if !several && let Some(member) = self.lifecycle_key_actions(layout, value_of)? {
                    let (partition_key, _) = layout.key_attributes()?;
                    return Ok(Choice::Deferred(Uncertain {
                        partition_key,
                        member,
                    }));
                }
                // The stored value is unknown: re-rendering could put an item into
                // the index, or under a layout, its state does not choose.
                let what = if several { "layout" } else { "membership" };
                let moved = match schema.updated_at {
                    Some(at)
                        if layouts_of(schema, first).all(|(_, l)| {
                            update_fields(schema, l).all(|(_, slot)| {
                                value_of(slot).is_none() || schema.key_fields[slot].attribute == at
                            })
                        }) =>
                    {
                        format!(
                            "every update stores a new `{at}`, which the key of index `{name}` reads"
                        )
                    }
                    _ => format!("this update changes the key of index `{name}`"),
                };
                return Err(Error::invalid_for(
                    self.def.name(),
                    InvalidInputKind::IncompleteIndexKey,
                    format!(
                        "{moved}; its {what} is decided by `{}`: set `{}` in the same update",
                        when.source, when.attribute
                    ),
                ));
            };
            if (self.def.in_index_from)(i, value)? {
                return Ok(Choice::Layout(Some(l)));
            }
        }
        Ok(Choice::Layout(None))
    }

    /// Adds to `extra` the key actions of `layout`'s index when the item uses layout
    /// `chosen` (`None`: no layout applies and the item leaves the index).
    fn index_actions<'a>(
        &self,
        layout: &'static EntityIndex,
        chosen: Option<&'static EntityIndex>,
        value_of: &impl Fn(usize) -> Option<Option<&'a AttributeValue>>,
        extra: &mut Vec<Action>,
    ) -> Result<(), Error> {
        let schema = self.def.schema;
        let (pk_attr, sk_attr) = layout.key_attributes()?;
        let attrs = [Some(pk_attr), sk_attr];
        let leave = || {
            attrs
                .into_iter()
                .flatten()
                .map(|a| Action::Remove(a.into()))
        };
        let Some(index) = chosen else {
            extra.extend(leave());
            return Ok(());
        };
        let cleared = update_fields(schema, index).any(|(_, slot)| {
            value_of(slot).is_some_and(|v| v.is_none_or(|v| matches!(v, AttributeValue::Null(_))))
        });
        if cleared {
            // A field the key needs is now absent: the item leaves this sparse index.
            extra.extend(leave());
            return Ok(());
        }
        if let Some((field, _)) =
            update_fields(schema, index).find(|(_, slot)| value_of(*slot).is_none())
        {
            return Err(Error::invalid_for(
                self.def.name(),
                InvalidInputKind::IncompleteIndexKey,
                format!(
                    "this update changes the key of index `{}` but does not set field `{field}`, \
                     which that key is also rendered from; set it too (or use put)",
                    index.index.name()
                ),
            ));
        }
        match self.render_from_update(value_of, |part| render_index(index, part))? {
            Some((pk, sk)) => {
                extra.push(Action::Set(
                    pk_attr.into(),
                    crate::expr::Value::raw(AttributeValue::S(pk)),
                ));
                if let (Some(attr), Some(sk)) = (sk_attr, sk) {
                    extra.push(Action::Set(
                        attr.into(),
                        crate::expr::Value::raw(AttributeValue::S(sk)),
                    ));
                }
            }
            None => extra.extend(leave()),
        }
        Ok(())
    }
}

/// Where an update puts an item in one index.
enum Choice {
    /// Under this layout (`None`: in none, so the item leaves the index).
    Layout(Option<&'static EntityIndex>),
    /// Decided by the stored membership, read before sending.
    Deferred(Uncertain),
}

/// The value `actions` give `attribute`: `Some(None)` when they remove it.
fn set_value<'a>(actions: &'a [Action], attribute: &str) -> Option<Option<&'a AttributeValue>> {
    actions.iter().find_map(|a| match a {
        Action::Set(name, v) if name == attribute => Some(v.get().ok()),
        Action::Remove(name) if name == attribute => Some(None),
        _ => None,
    })
}

/// The layouts of the index whose first layout is `schema.indexes[first]`, with their
/// positions. An iterator, not a vector: this runs for every index on every update.
fn layouts_of(
    schema: &'static EntitySchema,
    first: usize,
) -> impl Iterator<Item = (usize, &'static EntityIndex)> + Clone {
    let name = schema.indexes[first].index.name();
    schema.indexes[first..]
        .iter()
        .enumerate()
        .filter(move |(_, l)| l.index.name() == name)
        .map(move |(j, l)| (first + j, l))
}

/// The fields (and slots) of an index's key templates that an update can change: a
/// primary-key field is known from the key, never changed here.
fn update_fields(
    schema: &'static EntitySchema,
    index: &'static EntityIndex,
) -> impl Iterator<Item = (&'static str, usize)> {
    index
        .partition_key
        .segments()
        .iter()
        .chain(index.sort_key.iter().flat_map(|t| t.segments()))
        .filter_map(move |segment| match segment {
            crate::key::Segment::Part { field, slot, .. } if *slot >= schema.primary_key_fields => {
                Some((*field, *slot))
            }
            _ => None,
        })
}

/// An index whose key this update moves only through `updated_at`, whose membership the
/// update does not decide: `send` reads the item, adds `member` if the index key attribute
/// is stored, and guards that it still is (or is not).
#[derive(Debug, Clone)]
pub(crate) struct Uncertain {
    /// The index's partition-key attribute: stored exactly while the item is a member.
    pub(crate) partition_key: &'static str,
    /// The key actions for a member.
    pub(crate) member: Vec<Action>,
}

impl IndexKeys<'_> {
    /// Runs `render` with a part writer that takes primary-key fields from the key and the
    /// others from this update (`value_of`); a value that does not encode is the error.
    fn render_from_update<'a, T>(
        &self,
        value_of: &impl Fn(usize) -> Option<Option<&'a AttributeValue>>,
        render: impl FnOnce(
            &mut dyn FnMut(usize, &mut String) -> Result<bool, crate::key::KeyError>,
        ) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let def = self.def;
        let primary = def.schema.primary_key_fields;
        let key = self.key;
        let mut failure = None;
        let rendered = render(&mut |slot, out| {
            if slot < primary {
                return Ok(key.get(slot).is_some_and(|part| {
                    out.push_str(part);
                    true
                }));
            }
            match value_of(slot).flatten() {
                Some(value) => (def.write_key_part_from)(slot, value, out).or_else(|e| {
                    failure = Some(e);
                    Ok(false)
                }),
                None => Ok(false),
            }
        })?;
        match failure {
            Some(e) => Err(e),
            None => Ok(rendered),
        }
    }

    /// For a member of `index`: the key attributes whose templates read `updated_at`,
    /// re-rendered from the value this update stores (the others do not move). `None` when
    /// no template reads it, or one also reads a field this update does not set.
    fn lifecycle_key_actions<'a>(
        &self,
        index: &crate::EntityIndex,
        value_of: &impl Fn(usize) -> Option<Option<&'a AttributeValue>>,
    ) -> Result<Option<Vec<Action>>, Error> {
        let schema = self.def.schema;
        let Some(at) = schema.updated_at.and_then(|a| schema.key_slot(a)) else {
            return Ok(None);
        };
        let (pk_attr, sk_attr) = index.key_attributes()?;
        let mut actions = Vec::new();
        let templates = [(pk_attr, Some(index.partition_key))]
            .into_iter()
            .chain(sk_attr.map(|a| (a, index.sort_key)));
        for (attribute, template) in templates {
            let Some(template) = template else { continue };
            let reads = |slot: usize| {
                template
                    .segments()
                    .iter()
                    .any(|s| matches!(s, crate::key::Segment::Part { slot: x, .. } if *x == slot))
            };
            if !reads(at) {
                continue;
            }
            let rendered = self.render_from_update(value_of, |part| {
                template.render_with(part).map_err(Error::from)
            })?;
            let Some(rendered) = rendered else {
                return Ok(None);
            };
            actions.push(Action::Set(
                attribute.into(),
                crate::expr::Value::raw(AttributeValue::S(rendered)),
            ));
        }
        Ok((!actions.is_empty()).then_some(actions))
    }
}

impl IndexKeys<'_> {
    /// A multi-attribute index is keyed by the fields themselves, so nothing is re-rendered;
    /// but a value DynamoDB rejects as an index key is refused here, and `None` becomes
    /// `REMOVE` (the item leaves the index) instead of a `NULL` the index would refuse. The
    /// same holds for a vector index's vector and search attributes.
    fn check_multi_attribute_keys(&mut self) -> Result<(), Error> {
        let table = self.def.table;
        let mut kept = Vec::with_capacity(self.actions.len());
        for action in std::mem::take(self.actions) {
            // Index attributes are scalars: only a whole attribute can be one.
            let (name, value, if_absent) = match &action {
                Action::Set(name, value) if !name.is_nested() => (name, value, false),
                Action::SetIfNotExists(name, value) if !name.is_nested() => (name, value, true),
                _ => {
                    kept.push(action);
                    continue;
                }
            };
            // A value that did not encode is reported when the plan is built.
            let present = match value.get() {
                Ok(v) => crate::multi::check_update_value(table, name.attribute(), v)?,
                Err(_) => true,
            };
            match (present, if_absent) {
                (true, _) => kept.push(action),
                (false, false) => kept.push(Action::Remove(name.clone())),
                // "Set to nothing if absent" leaves the item as it is.
                (false, true) => {}
            }
        }
        *self.actions = kept;
        Ok(())
    }
}
