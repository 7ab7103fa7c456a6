//! `#[derive(Entity)]`: the `Entity` impl, the typed key `<Name>Key`, the typed attributes
//! `<Name>Attrs`, and compile-time checks of every key template.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Path, Type};

use crate::internals::attr::container::{self as attr, ContainerKey};
use crate::internals::attr::flag::{self, Flag};
use crate::internals::attr::index as attr_index;
use crate::internals::attr::serde_names;
use crate::internals::ctxt::Ctxt;
use crate::internals::template::{self, Cut, Segment};
use crate::multi_index::{MultiIndex, multi_checks, multi_shape_const, resolve_multi};

/// A named field of the entity struct.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// `T` when the field is `Option<T>`.
    pub(crate) option_of: Option<&'a Type>,
    pub(crate) attribute: String,
    pub(crate) skipped: bool,
    /// serde's `with`/`serialize_with` function for the field.
    serialize_with: Option<syn::ExprPath>,
    /// `#[dynamo(version | created_at | updated_at | ttl | unique | generated)]`
    flags: Vec<Flag>,
}

/// A parsed template: its literal (for spans) and its segments, fields resolved to slots.
struct Template {
    lit: LitStr,
    segments: Vec<(Segment, Option<usize>)>,
}

/// A key field: which struct field, and whether the primary key reads it.
struct Slot {
    field: usize,
    span: Span,
}

pub(crate) fn expand(input: &DeriveInput) -> Result<TokenStream, Vec<syn::Error>> {
    let mut cx = Ctxt::default();
    let attrs = attr::container(
        &mut cx,
        &input.attrs,
        &[
            ContainerKey::Table,
            ContainerKey::Name,
            ContainerKey::Pk,
            ContainerKey::Sk,
            ContainerKey::Index,
            ContainerKey::Crate,
            ContainerKey::SharesKeysWith,
        ],
    );
    let serde = serde_names::container(&mut cx, &input.attrs);
    let ident = &input.ident;

    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(&named.named),
            _ => None,
        },
        _ => None,
    };
    let Some(named) = named else {
        cx.error_spanned_by(
            ident,
            "`#[derive(Entity)]` needs a struct with named fields",
        );
        return Err(cx.check().err().unwrap_or_default());
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "an entity cannot be generic");
    }
    let Some(table) = attrs.table.clone() else {
        cx.error_spanned_by(
            ident,
            "name the entity's table: `#[dynamo(table = MyTable)]`",
        );
        return Err(cx.check().err().unwrap_or_default());
    };
    let Some(pk_lit) = attrs.pk.clone() else {
        cx.error_spanned_by(
            ident,
            "give the partition-key template: `#[dynamo(pk = \"USER#{id}\")]`",
        );
        return Err(cx.check().err().unwrap_or_default());
    };

    let fields: Vec<Field<'_>> = named
        .iter()
        .filter_map(|f| {
            let ident = f.ident.as_ref()?;
            let names = serde_names::field(&mut cx, &f.attrs);
            let flags = flag::flags(&mut cx, &f.attrs, Flag::FIELD);
            let plain = ident.to_string().trim_start_matches("r#").to_owned();
            let attribute = names.rename.unwrap_or_else(|| {
                serde
                    .rename_all
                    .as_deref()
                    .and_then(|rule| serde_names::apply(rule, &plain))
                    .unwrap_or(plain)
            });
            Some(Field {
                ident,
                ty: &f.ty,
                option_of: option_inner(&f.ty),
                attribute,
                skipped: names.skipped,
                serialize_with: names.serialize_with,
                flags,
            })
        })
        .collect();

    // Slots: primary-key fields first, then index fields, each once.
    let mut slots: Vec<Slot> = Vec::new();
    // Fields cut into time buckets, with the template's span (their type is checked).
    let bucketed: std::cell::RefCell<Vec<(usize, Span)>> = std::cell::RefCell::default();
    let parse_template =
        |cx: &mut Ctxt, lit: &LitStr, primary: bool, partition: bool, slots: &mut Vec<Slot>| {
            let segments = match template::parse(&lit.value()) {
                Ok(s) => s,
                Err(e) => {
                    cx.error_spanned_by(lit, format!("invalid key template: {e}"));
                    return None;
                }
            };
            let mut resolved = Vec::new();
            let last_field = segments
                .iter()
                .rposition(|s| matches!(s, Segment::Field { .. }));
            for (position, segment) in segments.iter().enumerate() {
                let slot = match segment {
                    Segment::Literal(_) => None,
                    Segment::Field {
                        name,
                        bucket: Some(Cut::Shard(_)),
                        ..
                    } if !partition || Some(position) != last_field => {
                        cx.error_spanned_by(
                        lit,
                        format!(
                            "`{{{name}:shard(..)}}` spreads one partition over several: it must \
                             be the last field of a partition-key template"
                        ),
                    );
                        continue;
                    }
                    Segment::Field { name, bucket, .. } => {
                        if primary && matches!(bucket, Some(Cut::Day | Cut::Month)) {
                            cx.error_spanned_by(
                                lit,
                                format!(
                                    "`{{{name}:..}}`: a primary key cannot hold a time bucket (it \
                                 must parse back to the field); buckets belong in index keys"
                                ),
                            );
                        }
                        let Some(index) = fields
                            .iter()
                            .position(|f| f.ident.to_string().trim_start_matches("r#") == name)
                        else {
                            let known = fields
                                .iter()
                                .filter(|f| !f.skipped)
                                .map(|f| format!("`{}`", f.ident))
                                .collect::<Vec<_>>()
                                .join(", ");
                            cx.error_spanned_by(
                                lit,
                                format!("`{ident}` has no field `{name}` (fields: {known})"),
                            );
                            continue;
                        };
                        let field = &fields[index];
                        if field.skipped {
                            cx.error_spanned_by(
                                lit,
                                format!(
                                    "field `{name}` is skipped by serde and cannot be part of a key"
                                ),
                            );
                        }
                        if primary && field.option_of.is_some() {
                            cx.error_spanned_by(
                            lit,
                            format!(
                                "field `{name}` is an `Option`; a primary key must always exist \
                                 (optional fields belong in index keys, which they make sparse)"
                            ),
                        );
                        }
                        if matches!(bucket, Some(Cut::Day | Cut::Month)) {
                            bucketed.borrow_mut().push((index, lit.span()));
                        }
                        let slot = match slots.iter().position(|s| s.field == index) {
                            Some(slot) => slot,
                            None => {
                                slots.push(Slot {
                                    field: index,
                                    span: lit.span(),
                                });
                                slots.len() - 1
                            }
                        };
                        Some(slot)
                    }
                };
                resolved.push((segment.clone(), slot));
            }
            Some(Template {
                lit: lit.clone(),
                segments: resolved,
            })
        };

    let pk = parse_template(&mut cx, &pk_lit, true, true, &mut slots);
    let sk = attrs
        .sk
        .as_ref()
        .and_then(|lit| parse_template(&mut cx, lit, true, false, &mut slots));
    // A primary key parses back to its fields, and a shard number does not: the sharded
    // field must also be in the key whole (`pk = "VOTES#{poll}#{voter:shard(10)}"`,
    // `sk = "VOTER#{voter}"`).
    for shard in pk.iter().flat_map(|t| &t.segments) {
        if let (
            Segment::Field {
                name,
                bucket: Some(Cut::Shard(_)),
                ..
            },
            _,
        ) = shard
        {
            let whole = pk.iter().chain(sk.iter()).flat_map(|t| &t.segments).any(
                |(s, _)| matches!(s, Segment::Field { name: n, bucket: None, .. } if n == name),
            );
            if !whole {
                cx.error_spanned_by(
                    &pk_lit,
                    format!(
                        "`{{{name}:shard(..)}}`: a primary key must parse back to its fields, \
                         and a shard number does not; put `{{{name}}}` whole in the sort key too"
                    ),
                );
            }
        }
    }
    let primary_slots = slots.len();
    let mut indexes = Vec::new();
    let mut multi: Vec<MultiIndex<'_>> = Vec::new();
    for index in &attrs.indexes {
        if index.is_multi() {
            if let Some(when) = &index.when {
                cx.error_spanned_by(
                    &when.field,
                    "`when` decides membership of a template index; a multi-attribute index \
                     leaves out items whose attributes are absent (`Option` fields)",
                );
            }
            if attrs
                .indexes
                .iter()
                .filter(|i| i.name == index.name)
                .count()
                > 1
            {
                cx.error_spanned_by(
                    &index.name,
                    format!(
                        "`{}` is a multi-attribute index: it takes one list of fields, not \
                         several layouts",
                        index.name
                    ),
                );
            }
            if let Some(m) = resolve_multi(&mut cx, ident, &fields, index) {
                multi.push(m);
            }
            continue;
        }
        let Some(ipk) = &index.pk else {
            cx.error_spanned_by(
                &index.name,
                format!(
                    "give the `{}` partition-key template: `pk = \"...\"`",
                    index.name
                ),
            );
            continue;
        };
        let ipk = parse_template(&mut cx, ipk, false, true, &mut slots);
        let isk = index
            .sk
            .as_ref()
            .and_then(|lit| parse_template(&mut cx, lit, false, false, &mut slots));
        if let Some(when) = &index.when {
            let field = &when.field;
            match field_named(&fields, field) {
                None => cx.error_spanned_by(field, format!("`{ident}` has no field `{field}`")),
                Some(f) if f.skipped => cx.error_spanned_by(
                    field,
                    format!("field `{field}` is skipped by serde; membership must be stored"),
                ),
                Some(_) => {}
            }
        }
        // Layouts of one index are tried in order; one without `when` takes every item
        // left, so a layout after it could never be used.
        let later = attrs
            .indexes
            .iter()
            .skip_while(|i| !std::ptr::eq(*i, index))
            .skip(1)
            .any(|i| i.name == index.name);
        if index.when.is_none() && later {
            cx.error_spanned_by(
                &index.name,
                format!(
                    "this layout of `{}` has no `when`, so the layouts after it are never used: \
                     give it `when = ..` or move it last",
                    index.name
                ),
            );
        }
        if let Some(ipk) = ipk {
            indexes.push((index, ipk, isk));
        }
    }
    // The library's own items (unique-value sentinels) carry discriminators under this
    // prefix; an entity named into it could be mistaken for one (and skipped by streams).
    if let Some(name) = &attrs.name
        && name.value().starts_with("_dynamorm.")
    {
        cx.error_spanned_by(
            name,
            "entity names starting with `_dynamorm.` are reserved for the library's own items",
        );
    }
    cx.check()?;
    let (Some(pk), sk) = (pk, sk) else {
        return Err(Vec::new());
    };

    let krate: Path = attrs.krate();
    let vis = &input.vis;
    let entity_name = attrs
        .name
        .as_ref()
        .map(LitStr::value)
        .unwrap_or_else(|| ident.to_string());
    let key_ident = format_ident!("{}Key", ident);
    let attrs_ident = format_ident!("{}Attrs", ident);

    // --- constants -------------------------------------------------------------------
    let slot_field = |slot: usize| &fields[slots[slot].field];
    let template_tokens = |t: &Template| {
        let source = t.lit.value();
        let segments = t
            .segments
            .iter()
            .map(|(segment, slot)| match (segment, slot) {
                (Segment::Literal(text), _) => quote!(#krate::key::Segment::Literal(#text)),
                (
                    Segment::Field {
                        name,
                        prefix,
                        suffix,
                        bucket,
                    },
                    Some(slot),
                ) => {
                    let bucket = match bucket {
                        Some(Cut::Day) => quote!(#krate::key::Bucket::Day),
                        Some(Cut::Month) => quote!(#krate::key::Bucket::Month),
                        Some(Cut::Shard(n)) => quote!(#krate::key::Bucket::Shard(#n)),
                        None => quote!(#krate::key::Bucket::Whole),
                    };
                    quote!(#krate::key::Segment::Part {
                        field: #name,
                        slot: #slot,
                        prefix: #prefix,
                        suffix: #suffix,
                        bucket: #bucket,
                    })
                }
                (Segment::Field { .. }, None) => quote!(),
            });
        quote!(#krate::key::KeyTemplate::new(#source, &[#(#segments),*]))
    };
    let pk_tokens = template_tokens(&pk);
    let sk_tokens = match &sk {
        Some(t) => {
            let t = template_tokens(t);
            quote!(::core::option::Option::Some(#t))
        }
        None => quote!(::core::option::Option::None),
    };
    let index_tokens = indexes.iter().map(|(index, ipk, isk)| {
        let name = &index.name;
        let ipk = template_tokens(ipk);
        let isk = match isk {
            Some(t) => {
                let t = template_tokens(t);
                quote!(::core::option::Option::Some(#t))
            }
            None => quote!(::core::option::Option::None),
        };
        let index_ref =
            quote_spanned!(name.span()=> #krate::__private::template_index(#table::#name));
        let when = match index
            .when
            .as_ref()
            .and_then(|w| Some((w, field_named(&fields, &w.field)?)))
        {
            Some((w, f)) => {
                let a = &f.attribute;
                let source = w.source();
                quote!(::core::option::Option::Some(#krate::When { attribute: #a, source: #source }))
            }
            None => quote!(::core::option::Option::None),
        };
        quote!(#krate::EntityIndex { index: #index_ref, partition_key: #ipk, sort_key: #isk, when: #when })
    });
    let key_field_tokens = (0..slots.len()).map(|slot| {
        let f = slot_field(slot);
        let field = f.ident.to_string();
        let attribute = &f.attribute;
        let optional = f.option_of.is_some();
        quote!(#krate::KeyField { field: #field, attribute: #attribute, optional: #optional })
    });

    // --- key-part writers ------------------------------------------------------------
    let write_arms = (0..slots.len()).map(|slot| {
        let f = slot_field(slot);
        let fi = f.ident;
        if f.option_of.is_some() {
            quote!(#slot => #krate::__private::write_option(&self.#fi, out),)
        } else {
            quote!(#slot => #krate::KeyPart::write_key(&self.#fi, out).map(|()| true),)
        }
    });
    let write_from_arms = (0..slots.len()).map(|slot| {
        let f = slot_field(slot);
        let inner = f.option_of.unwrap_or(f.ty);
        let field = f.ident.to_string();
        quote!(#slot => #krate::__private::write_part_from::<#inner>(#entity_name, #field, value, out),)
    });
    let key_write_arms = (0..primary_slots).map(|slot| {
        let fi = slot_field(slot).ident;
        quote!(#slot => #krate::KeyPart::write_key(&self.#fi, out).map(|()| true),)
    });
    let key_fields_decl = (0..primary_slots).map(|slot| {
        let f = slot_field(slot);
        let (fi, ty) = (f.ident, f.ty);
        let doc = format!("The `{fi}` part of the key.");
        quote!(#[doc = #doc] pub #fi: #ty,)
    });
    let key_from_parts = (0..primary_slots).map(|slot| {
        let f = slot_field(slot);
        let (fi, ty) = (f.ident, f.ty);
        let name = fi.to_string();
        quote!(#fi: #krate::__private::parse_part::<#ty>(parts, #slot, #name)?,)
    });
    let key_clone = (0..primary_slots).map(|slot| {
        let fi = slot_field(slot).ident;
        quote!(#fi: ::core::clone::Clone::clone(&self.#fi),)
    });

    // --- typed attributes ------------------------------------------------------------
    let primary_field_indexes: Vec<usize> =
        slots[..primary_slots].iter().map(|s| s.field).collect();
    let attr_fields = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.skipped)
        .map(|(i, f)| {
            let (fi, ty) = (f.ident, f.ty);
            let marker = if primary_field_indexes.contains(&i) {
                quote!(#krate::expr::Fixed)
            } else {
                quote!(#krate::expr::Settable)
            };
            let doc = format!("The `{}` attribute.", f.attribute);
            quote!(#[doc = #doc] pub #fi: #krate::Attr<#ident, #ty, #marker>,)
        });
    let attr_inits = fields.iter().filter(|f| !f.skipped).map(|f| {
        let fi = f.ident;
        let attribute = &f.attribute;
        match &f.serialize_with {
            // Values in conditions and updates are written as serde writes the field.
            Some(function) => {
                let ty = f.ty;
                quote!(#fi: #krate::Attr::with_serializer(#attribute, {
                    fn encode(
                        value: &#ty,
                    ) -> ::core::result::Result<#krate::__private::AttributeValue, ::std::string::String> {
                        struct With<'a>(&'a #ty);
                        impl #krate::__private::serde::Serialize for With<'_> {
                            fn serialize<S: #krate::__private::serde::Serializer>(
                                &self,
                                serializer: S,
                            ) -> ::core::result::Result<S::Ok, S::Error> {
                                #function(self.0, serializer)
                            }
                        }
                        #krate::__private::encode_value(&With(value))
                    }
                    encode
                }),)
            }
            None => quote!(#fi: #krate::Attr::new(#attribute),),
        }
    });

    // Raw updates check that a whole field they set decodes as the field (fields with their
    // own deserializer are left to it).
    let field_value_checks = fields
        .iter()
        .filter(|f| !f.skipped && f.serialize_with.is_none())
        .map(|f| {
            let (attribute, ty) = (&f.attribute, f.ty);
            quote!(#attribute => #krate::__private::check_decodes::<#ty>(#entity_name, attribute, value),)
        });

    // --- compile-time checks ---------------------------------------------------------
    let key_part_checks = slots.iter().map(|s| {
        let f = &fields[s.field];
        let ty = f.option_of.unwrap_or(f.ty);
        quote_spanned!(s.span=> __dynamorm_assert_key_part::<#ty>();)
    });
    let bucket_checks = bucketed.borrow().clone().into_iter().map(|(field, span)| {
        let ty = fields[field].ty;
        quote_spanned!(span=> __dynamorm_assert_bucketed::<#ty>();)
    });
    let primary_part_checks = slots[..primary_slots].iter().map(|s| {
        let ty = fields[s.field].ty;
        quote_spanned!(s.span=> __dynamorm_assert_primary_key_part::<#ty>();)
    });
    let reserved_checks = fields.iter().filter(|f| !f.skipped).map(|f| {
        let attribute = &f.attribute;
        let message = format!(
            "field `{}` of `{ident}` is stored as attribute `{attribute}`, which the table \
             reserves for a key or the discriminator; rename the field (`#[serde(rename = \"...\")]`)",
            f.ident
        );
        quote! {
            if #krate::__private::table_reserves(&<#table as #krate::Table>::SCHEMA, #attribute) {
                ::core::panic!(#message);
            }
        }
    });
    let has_sk = sk.is_some();
    let table_sk_message = if has_sk {
        format!("`{ident}` has an `sk` template, but its table has no sort key")
    } else {
        format!("`{ident}` needs an `sk` template: its table has a sort key")
    };
    let index_sk_checks = indexes.iter().map(|(index, _, isk)| {
        let name = &index.name;
        let has = isk.is_some();
        let message = if has {
            format!("`{ident}` gives an `sk` template for index `{name}`, which has no sort key")
        } else {
            format!("`{ident}` needs an `sk` template for index `{name}`, which has a sort key")
        };
        quote_spanned! {name.span()=>
            if #krate::__private::template_index(#table::#name).has_sort_key() != #has {
                ::core::panic!(#message);
            }
        }
    });

    // --- lifecycle attributes ----------------------------------------------------------
    let flagged = |flag: Flag| -> Vec<&Field<'_>> {
        fields.iter().filter(|f| f.flags.contains(&flag)).collect()
    };
    let mut lifecycle_errors = Ctxt::default();
    let single = |cx: &mut Ctxt, flag: Flag| -> Option<&Field<'_>> {
        let found = flagged(flag);
        if found.len() > 1 {
            cx.error_spanned_by(
                found[1].ident,
                format!("only one field can be `{}`", flag.name()),
            );
        }
        found.first().copied()
    };
    let version = single(&mut lifecycle_errors, Flag::Version);
    let created = single(&mut lifecycle_errors, Flag::CreatedAt);
    let updated = single(&mut lifecycle_errors, Flag::UpdatedAt);
    let ttl = single(&mut lifecycle_errors, Flag::Ttl);
    let unique = flagged(Flag::Unique);
    for f in version
        .iter()
        .chain(created.iter())
        .chain(updated.iter())
        .chain(ttl.iter())
        .chain(unique.iter())
    {
        if f.skipped {
            lifecycle_errors.error_spanned_by(f.ident, "a lifecycle field must be serialized");
        }
        let in_primary = slots[..primary_slots]
            .iter()
            .any(|s| fields[s.field].ident == f.ident);
        let in_index = slots[primary_slots..]
            .iter()
            .any(|s| fields[s.field].ident == f.ident);
        let only_unique = f.flags.iter().all(|x| *x == Flag::Unique);
        let updated_at = f.flags.contains(&Flag::UpdatedAt);
        if (in_primary && !only_unique) || (in_index && !only_unique && !updated_at) {
            lifecycle_errors.error_spanned_by(
                f.ident,
                "a lifecycle field cannot be part of this key template; only `updated_at` may \
                 appear in an index template (every write renders it from the time it stores)",
            );
        }
    }
    if let (Some(ttl), Some(first_unique)) = (ttl, unique.first()) {
        // TTL deletes the item but not its unique-value sentinels, which would then hold
        // the values forever.
        lifecycle_errors.error_spanned_by(
            first_unique.ident,
            format!(
                "an entity with a `ttl` field (`{}`) cannot have `unique` fields: expiry deletes \
                 the item but not the sentinels that hold its unique values",
                ttl.ident
            ),
        );
    }
    let generated = flagged(Flag::Generated);
    for f in &generated {
        if f.skipped {
            lifecycle_errors.error_spanned_by(f.ident, "a generated id must be serialized");
        }
        if f.flags.len() > 1 {
            lifecycle_errors.error_spanned_by(
                f.ident,
                "a `generated` field cannot also be a version, timestamp, ttl or unique field",
            );
        }
    }
    lifecycle_errors.check()?;
    // `#[dynamo(generated)]`: ids made on insert while unset, and refused unset elsewhere.
    let generated_checks = generated.iter().map(|f| {
        let ty = f.ty;
        quote_spanned!(syn::spanned::Spanned::span(ty)=> __dynamorm_assert_generated::<#ty>();)
    });
    let generated_fill = generated.iter().map(|f| {
        let fi = f.ident;
        quote! {
            if #krate::GeneratedId::is_unset(&self.#fi) {
                self.#fi = #krate::GeneratedId::generate();
            }
        }
    });
    let generated_unset = generated.iter().map(|f| {
        let fi = f.ident;
        let name = fi.to_string();
        quote! {
            if #krate::GeneratedId::is_unset(&self.#fi) {
                return ::core::option::Option::Some(#name);
            }
        }
    });
    let opt_attr = |f: Option<&Field<'_>>| match f {
        Some(f) => {
            let a = &f.attribute;
            quote!(::core::option::Option::Some(#a))
        }
        None => quote!(::core::option::Option::None),
    };
    let version_attr = opt_attr(version);
    // The largest version the field's type holds: a write never stores one past it.
    let version_max = match version {
        Some(f) => {
            let ty = f.ty;
            quote!(<#ty as #krate::__private::VersionField>::MAX)
        }
        None => quote!(::core::primitive::u64::MAX),
    };
    let created_attr = opt_attr(created);
    let updated_attr = opt_attr(updated);
    let ttl_attr = opt_attr(ttl);
    let all_attributes = fields
        .iter()
        .filter(|f| !f.skipped)
        .map(|f| f.attribute.as_str());
    let unique_fields = unique.iter().map(|f| {
        let (field, attribute) = (f.ident.to_string(), &f.attribute);
        quote!(#krate::UniqueField { field: #field, attribute: #attribute })
    });
    let version_checks = version.iter().map(|f| {
        let ty = f.ty;
        quote_spanned!(syn::spanned::Spanned::span(ty)=> __dynamorm_assert_version::<#ty>();)
    });
    let timestamp_checks = created.iter().chain(updated.iter()).map(|f| {
        let ty = f.ty;
        quote_spanned!(syn::spanned::Spanned::span(ty)=> __dynamorm_assert_timestamp::<#ty>();)
    });
    let unique_checks = unique.iter().map(|f| {
        let ty = f.option_of.unwrap_or(f.ty);
        quote_spanned!(syn::spanned::Spanned::span(ty)=> __dynamorm_assert_key_part::<#ty>();)
    });
    let timestamp_arms = created.iter().chain(updated.iter()).map(|f| {
        let (attribute, ty) = (&f.attribute, f.ty);
        quote!(#attribute => #krate::__private::timestamp_now::<#ty>(),)
    });
    let ttl_body = match ttl {
        Some(f) => {
            let fi = f.ident;
            quote!(#krate::TtlValue::epoch_seconds(&self.#fi))
        }
        None => quote!(::core::option::Option::None),
    };
    let ttl_from_body = match ttl {
        Some(f) => {
            let ty = f.ty;
            quote!(#krate::__private::ttl_from::<#ty>(value))
        }
        None => quote!({
            let _ = value;
            ::core::result::Result::Ok(::core::option::Option::None)
        }),
    };
    let ttl_check = ttl.map(|f| {
        let ty = f.ty;
        let message = format!("`{ident}` has a `ttl` field, but its table declares no TTL attribute: add `ttl = \"...\"` to the table");
        quote_spanned! {syn::spanned::Spanned::span(ty)=>
            if <#table as #krate::Table>::SCHEMA.ttl().is_none() {
                ::core::panic!(#message);
            }
        }
    });
    let ttl_type_check = ttl.map(|f| {
        let ty = f.ty;
        quote_spanned!(syn::spanned::Spanned::span(ty)=> __dynamorm_assert_ttl::<#ty>();)
    });
    let unique_write_arms = unique.iter().enumerate().map(|(i, f)| {
        let fi = f.ident;
        if f.option_of.is_some() {
            quote!(#i => #krate::__private::write_option(&self.#fi, out),)
        } else {
            quote!(#i => #krate::KeyPart::write_key(&self.#fi, out).map(|()| true),)
        }
    });
    let unique_from_arms = unique.iter().enumerate().map(|(i, f)| {
        let inner = f.option_of.unwrap_or(f.ty);
        let field = f.ident.to_string();
        quote!(#i => #krate::__private::write_part_from::<#inner>(#entity_name, #field, value, out),)
    });

    let multi_tokens = multi.iter().map(|m| {
        let name = &m.index.name;
        quote_spanned!(name.span()=> #krate::__private::multi_index(#table::#name))
    });
    let mut multi_sparse: Vec<&str> = multi
        .iter()
        .flat_map(|m| m.partition.iter().chain(&m.sort))
        .map(|(field, _)| &fields[*field])
        .filter(|f| f.option_of.is_some())
        .map(|f| f.attribute.as_str())
        .collect();
    multi_sparse.sort_unstable();
    multi_sparse.dedup();
    let multi_consts = multi
        .iter()
        .map(|m| multi_shape_const(&krate, &table, ident, &fields, m));
    let multi_checks = multi
        .iter()
        .map(|m| multi_checks(&krate, &table, ident, &fields, m));
    let declared_multi: Vec<String> = multi.iter().map(|m| m.index.name.to_string()).collect();
    let undeclared_checks = fields.iter().filter(|f| !f.skipped).map(|f| {
        let attribute = &f.attribute;
        let message = format!(
            "field `{}` of `{ident}` is stored as `{attribute}`, a key attribute of a \
             multi-attribute index `{ident}` does not declare; list the field in that index \
             (`#[dynamo(index(Name, pk = [..], sk = [..]))]`) so its type is checked, or store \
             it under another name (`#[serde(rename = \"...\")]`)",
            f.ident
        );
        quote_spanned! {f.ident.span()=>
            if #krate::__private::undeclared_multi_attribute(
                &<#table as #krate::Table>::SCHEMA,
                #attribute,
                &[#(#declared_multi),*],
            ) {
                ::core::panic!(#message);
            }
        }
    });

    let layered = indexes
        .iter()
        .enumerate()
        .any(|(i, (a, _, _))| indexes[..i].iter().any(|(b, _, _)| a.name == b.name));
    let shares_keys_with = attrs.shares_keys_with.iter().map(|other| {
        quote_spanned!(syn::spanned::Spanned::span(other)=> <#other as #krate::Entity>::SCHEMA.name)
    });

    // `when = field`: membership of a template index decided by a `bool` field.
    // `when = ..`: which layout of an index (if any) an item uses, from the entity and from
    // the value an update sets.
    let whens: Vec<_> = indexes
        .iter()
        .enumerate()
        .filter_map(|(i, (index, _, _))| {
            let when = index.when.as_ref()?;
            Some((i, when, field_named(&fields, &when.field)?))
        })
        .collect();
    let test = |when: &attr_index::When, value: proc_macro2::TokenStream| match &when.test {
        attr_index::WhenTest::Flag => quote!(#krate::__private::WhenField::member(&#value)),
        attr_index::WhenTest::NotFlag => quote!(!#krate::__private::WhenField::member(&#value)),
        attr_index::WhenTest::Matches(pattern) => quote!(::core::matches!(&#value, #pattern)),
    };
    let when_arms = whens.iter().map(|(i, when, f)| {
        let fi = f.ident;
        let test = test(when, quote!(self.#fi));
        quote!(#i => #test,)
    });
    let when_from_arms = whens.iter().map(|(i, when, f)| {
        let ty = f.ty;
        let attribute = &f.attribute;
        let test = test(when, quote!(value));
        quote!(#i => {
            let ::core::option::Option::Some(value) =
                #krate::__private::when_value::<#ty>(#attribute, value)?
            else {
                return ::core::result::Result::Ok(false);
            };
            ::core::result::Result::Ok(#test)
        })
    });
    let when_checks = whens.iter().filter_map(|(_, when, f)| {
        if matches!(when.test, attr_index::WhenTest::Matches(_)) {
            return None;
        }
        let ty = f.ty;
        Some(quote_spanned!(when.field.span()=> __dynamorm_assert_when::<#ty>();))
    });

    let key_doc = format!("The primary key of [`{ident}`], generated by `#[derive(Entity)]`.");
    let attrs_doc = format!(
        "Typed attributes of [`{ident}`] for conditions and updates, generated by `#[derive(Entity)]`."
    );
    let attrs_fn_doc = format!("Typed attributes of `{ident}`: `{ident}::attrs().field`.");
    let key_fn_doc = "The entity's primary key.";

    Ok(quote! {
        #[doc = #key_doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #vis struct #key_ident {
            #(#key_fields_decl)*
        }

        #[doc = #attrs_doc]
        #[derive(Debug, Clone, Copy)]
        #vis struct #attrs_ident {
            #(#attr_fields)*
        }

        impl #ident {
            #[doc = #attrs_fn_doc]
            #vis const fn attrs() -> #attrs_ident {
                #attrs_ident { #(#attr_inits)* }
            }

            #[doc = #key_fn_doc]
            #vis fn key(&self) -> #key_ident {
                #key_ident { #(#key_clone)* }
            }

            #(#multi_consts)*
        }

        const _: () = {
            fn __dynamorm_assert_key_part<T: #krate::KeyPart + ?::core::marker::Sized>() {}
            fn __dynamorm_assert_primary_key_part<T: #krate::key::PrimaryKeyPart>() {}
            fn __dynamorm_assert_when<T: #krate::__private::WhenField>() {}
            fn __dynamorm_assert_bucketed<T: #krate::read::TimeBucketed>() {}
            fn __dynamorm_assert_version<T: #krate::__private::VersionField>() {}
            fn __dynamorm_assert_timestamp<T: #krate::Timestamp>() {}
            fn __dynamorm_assert_ttl<T: #krate::TtlValue>() {}
            fn __dynamorm_assert_generated<T: #krate::GeneratedId>() {}
            #[allow(dead_code)]
            fn __dynamorm_checks() {
                #(#key_part_checks)*
                #(#primary_part_checks)*
                #(#when_checks)*
                #(#bucket_checks)*
                #(#version_checks)*
                #(#timestamp_checks)*
                #(#unique_checks)*
                #(#generated_checks)*
                #ttl_type_check
            }
            #ttl_check
            if <#table as #krate::Table>::SCHEMA.sort_key().is_some() != #has_sk {
                ::core::panic!(#table_sk_message);
            }
            #(#index_sk_checks)*
            #(#reserved_checks)*
            #(#multi_checks)*
            #(#undeclared_checks)*
        };

        #krate::__private::inventory::submit! {
            #krate::__private::Declared {
                table: #krate::__private::type_id::<#table>,
                schema: #krate::__private::schema_of::<#ident>,
            }
        }

        impl #krate::Entity for #ident {
            type Table = #table;
            type Key = #key_ident;
            const SCHEMA: #krate::EntitySchema = #krate::EntitySchema {
                name: #entity_name,
                partition_key: #pk_tokens,
                sort_key: #sk_tokens,
                indexes: &[#(#index_tokens),*],
                key_fields: &[#(#key_field_tokens),*],
                primary_key_fields: #primary_slots,
                attributes: &[#(#all_attributes),*],
                version: #version_attr,
                version_max: #version_max,
                created_at: #created_attr,
                updated_at: #updated_attr,
                ttl: #ttl_attr,
                unique: &[#(#unique_fields),*],
                multi_indexes: &[#(#multi_tokens),*],
                multi_sparse: &[#(#multi_sparse),*],
                shares_keys_with: &[#(#shares_keys_with),*],
                layered: #layered,
            };

            fn timestamp_now(
                attribute: &str,
            ) -> ::core::result::Result<#krate::__private::AttributeValue, #krate::Error> {
                match attribute {
                    #(#timestamp_arms)*
                    _ => ::core::result::Result::Err(#krate::KeyError::MissingField { field: "<timestamp>" }.into()),
                }
            }

            fn ttl_seconds(&self) -> ::core::option::Option<i64> {
                #ttl_body
            }

            fn ttl_seconds_from(
                value: &#krate::__private::AttributeValue,
            ) -> ::core::result::Result<::core::option::Option<i64>, #krate::Error> {
                #ttl_from_body
            }

            fn write_unique(
                &self,
                index: usize,
                out: &mut ::std::string::String,
            ) -> ::core::result::Result<bool, #krate::KeyError> {
                match index {
                    #(#unique_write_arms)*
                    _ => ::core::result::Result::Ok(false),
                }
            }

            fn write_unique_from(
                index: usize,
                value: &#krate::__private::AttributeValue,
                out: &mut ::std::string::String,
            ) -> ::core::result::Result<bool, #krate::Error> {
                match index {
                    #(#unique_from_arms)*
                    _ => ::core::result::Result::Ok(false),
                }
            }

            fn write_key_part(
                &self,
                slot: usize,
                out: &mut ::std::string::String,
            ) -> ::core::result::Result<bool, #krate::KeyError> {
                match slot {
                    #(#write_arms)*
                    _ => ::core::result::Result::Err(#krate::KeyError::MissingField { field: "<slot>" }),
                }
            }

            fn write_key_part_from(
                slot: usize,
                value: &#krate::__private::AttributeValue,
                out: &mut ::std::string::String,
            ) -> ::core::result::Result<bool, #krate::Error> {
                match slot {
                    #(#write_from_arms)*
                    _ => ::core::result::Result::Err(#krate::KeyError::MissingField { field: "<slot>" }.into()),
                }
            }

            fn key(&self) -> #key_ident {
                #ident::key(self)
            }

            fn in_index(&self, index: usize) -> bool {
                match index {
                    #(#when_arms)*
                    _ => true,
                }
            }

            fn check_field_value(
                attribute: &str,
                value: &#krate::__private::AttributeValue,
            ) -> ::core::result::Result<(), #krate::Error> {
                match attribute {
                    #(#field_value_checks)*
                    _ => ::core::result::Result::Ok(()),
                }
            }

            fn fill_generated(&mut self) {
                #(#generated_fill)*
            }

            fn unset_generated(&self) -> ::core::option::Option<&'static str> {
                #(#generated_unset)*
                ::core::option::Option::None
            }

            fn in_index_from(
                index: usize,
                value: ::core::option::Option<&#krate::__private::AttributeValue>,
            ) -> ::core::result::Result<bool, #krate::Error> {
                let _ = &value;
                match index {
                    #(#when_from_arms)*
                    _ => ::core::result::Result::Ok(true),
                }
            }
        }

        impl #krate::EntityKey for #key_ident {
            type Entity = #ident;

            fn write_key_part(
                &self,
                slot: usize,
                out: &mut ::std::string::String,
            ) -> ::core::result::Result<bool, #krate::KeyError> {
                match slot {
                    #(#key_write_arms)*
                    _ => ::core::result::Result::Err(#krate::KeyError::MissingField { field: "<slot>" }),
                }
            }

            fn from_parts(
                parts: &[::core::option::Option<&str>],
            ) -> ::core::result::Result<Self, #krate::KeyError> {
                ::core::result::Result::Ok(Self { #(#key_from_parts)* })
            }
        }
    })
}

/// `T` when `ty` is written `Option<T>` (or a path ending in `Option<T>`).
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// The struct field named `name` (as written in an attribute).
fn field_named<'f, 'a>(fields: &'f [Field<'a>], name: &Ident) -> Option<&'f Field<'a>> {
    let name = name.to_string();
    fields
        .iter()
        .find(|f| f.ident.to_string().trim_start_matches("r#") == name.trim_start_matches("r#"))
}
