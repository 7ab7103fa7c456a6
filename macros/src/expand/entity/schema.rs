//! `Entity::SCHEMA`: the entity's templates, index layouts, key fields and lifecycle
//! attributes as the runtime reads them.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::Path;

use crate::expand::tokens::option;
use crate::internals::model::entity::Entity;
use crate::internals::model::field::Field;
use crate::internals::model::key::Template;
use crate::internals::template::{Cut, Segment};

/// The `EntitySchema` expression.
pub(crate) fn schema(entity: &Entity<'_>, table: &Path, pk: &Template) -> TokenStream {
    let krate = &entity.krate;
    let entity_name = entity.entity_name();
    let pk_tokens = template(krate, pk);
    let sk_tokens = option(entity.sk.as_ref().map(|t| template(krate, t)));
    let indexes = indexes(entity, table);
    let key_fields = (0..entity.slots.len()).map(|slot| {
        let f = entity.slot_field(slot);
        let field = f.ident.to_string();
        let attribute = &f.attribute;
        let optional = f.option_of.is_some();
        quote!(#krate::KeyField { field: #field, attribute: #attribute, optional: #optional })
    });
    let primary_slots = entity.primary_slots;
    let stored = entity.fields.iter().filter(|f| !f.skipped);
    let all_attributes = stored.map(|f| f.attribute.as_str());
    let lifecycle = lifecycle(entity);
    let multi = multi(entity, table);
    let shares_keys_with = entity.shares_keys_with.iter().map(|other| {
        quote_spanned!(syn::spanned::Spanned::span(other)=> <#other as #krate::Entity>::SCHEMA.name)
    });
    let layered = layered(entity);
    let shapes = super::shape::schema_fields(entity);
    quote! {
        #krate::EntitySchema {
            name: #entity_name,
            partition_key: #pk_tokens,
            sort_key: #sk_tokens,
            indexes: &[#(#indexes),*],
            key_fields: &[#(#key_fields),*],
            primary_key_fields: #primary_slots,
            attributes: &[#(#all_attributes),*],
            #lifecycle
            #multi
            shares_keys_with: &[#(#shares_keys_with),*],
            layered: #layered,
            #shapes
        }
    }
}

/// A `KeyTemplate` constant.
fn template(krate: &Path, t: &Template) -> TokenStream {
    let source = t.lit.value();
    let segments = t
        .segments
        .iter()
        .filter_map(|(segment, slot)| match segment {
            Segment::Literal(text) => Some(quote!(#krate::key::Segment::Literal(#text))),
            Segment::Field {
                name,
                prefix,
                suffix,
                bucket,
            } => {
                let slot = (*slot)?;
                let bucket = match bucket {
                    Some(Cut::Day) => quote!(#krate::key::Bucket::Day),
                    Some(Cut::Month) => quote!(#krate::key::Bucket::Month),
                    Some(Cut::Shard(n)) => quote!(#krate::key::Bucket::Shard(#n)),
                    None => quote!(#krate::key::Bucket::Whole),
                };
                Some(quote!(#krate::key::Segment::Part {
                    field: #name,
                    slot: #slot,
                    prefix: #prefix,
                    suffix: #suffix,
                    bucket: #bucket,
                }))
            }
        });
    quote!(#krate::key::KeyTemplate::new(#source, &[#(#segments),*]))
}

/// The template index layouts, in order.
fn indexes<'e>(entity: &'e Entity<'_>, table: &'e Path) -> impl Iterator<Item = TokenStream> + 'e {
    let krate = &entity.krate;
    entity.template_layouts().map(move |(index, layout, ipk)| {
        let name = &index.attr.name;
        let ipk = template(krate, ipk);
        let isk = option(layout.sk.as_ref().map(|t| template(krate, t)));
        let index_ref =
            quote_spanned!(name.span()=> #krate::__private::template_index(#table::#name));
        let when = index.attr.when.as_ref().zip(layout.when_field).map(|(w, field)| {
            let a = &entity.fields[field].attribute;
            let source = w.source();
            quote!(#krate::When { attribute: #a, source: #source })
        });
        let when = option(when);
        quote!(#krate::EntityIndex { index: #index_ref, partition_key: #ipk, sort_key: #isk, when: #when })
    })
}

/// The version, timestamp, TTL and unique fields.
fn lifecycle(entity: &Entity<'_>) -> TokenStream {
    let (krate, lifecycle) = (&entity.krate, &entity.lifecycle);
    let field = |position: Option<usize>| position.map(|p| &entity.fields[p]);
    let attribute = |f: Option<&Field<'_>>| option(f.map(|f| &f.attribute));
    let version = field(lifecycle.version);
    let version_attr = attribute(version);
    // The largest version the field's type holds: a write never stores one past it.
    let version_max = match version {
        Some(f) => {
            let ty = f.ty;
            quote!(<#ty as #krate::__private::VersionField>::MAX)
        }
        None => quote!(::core::primitive::u64::MAX),
    };
    let created_attr = attribute(field(lifecycle.created_at));
    let updated_attr = attribute(field(lifecycle.updated_at));
    let ttl_attr = attribute(field(lifecycle.ttl));
    let unique = lifecycle.unique.iter().map(|&p| {
        let f = &entity.fields[p];
        let (field, attribute) = (f.ident.to_string(), &f.attribute);
        quote!(#krate::UniqueField { field: #field, attribute: #attribute })
    });
    quote! {
        version: #version_attr,
        version_max: #version_max,
        created_at: #created_attr,
        updated_at: #updated_attr,
        ttl: #ttl_attr,
        unique: &[#(#unique),*],
    }
}

/// The multi-attribute indexes and the attributes that make them sparse.
fn multi(entity: &Entity<'_>, table: &Path) -> TokenStream {
    let krate = &entity.krate;
    let indexes = entity.multi_indexes().map(|(index, _)| {
        let name = &index.attr.name;
        quote_spanned!(name.span()=> #krate::__private::multi_index(#table::#name))
    });
    let lists = entity
        .multi_indexes()
        .flat_map(|(_, f)| f.partition.iter().chain(&f.sort));
    let mut sparse: Vec<&str> = lists
        .map(|(field, _)| &entity.fields[*field])
        .filter(|f| f.option_of.is_some())
        .map(|f| f.attribute.as_str())
        .collect();
    sparse.sort_unstable();
    sparse.dedup();
    quote! {
        multi_indexes: &[#(#indexes),*],
        multi_sparse: &[#(#sparse),*],
    }
}

/// Whether some index has several layouts.
fn layered(entity: &Entity<'_>) -> bool {
    let layouts: Vec<_> = entity
        .template_layouts()
        .map(|(index, ..)| &index.attr.name)
        .collect();
    let mut earlier = layouts.iter().enumerate();
    earlier.any(|(i, name)| layouts[..i].contains(name))
}
