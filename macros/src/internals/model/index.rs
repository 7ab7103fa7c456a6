//! An entity's index declarations: template layouts (`index(GSI1, pk = "..", when = ..)`)
//! and multi-attribute field lists (`index(ByRound, pk = [a, b], sk = [c])`), resolved
//! against the struct.

use proc_macro2::Span;

use crate::internals::attr::index::{IndexAttr, KeyList};
use crate::internals::ctxt::Ctxt;
use crate::internals::model::field;
use crate::internals::model::key::{Resolver, Role, Template};

/// One `index(..)` attribute of the entity, in declaration order.
pub(crate) struct Index {
    pub(crate) attr: IndexAttr,
    pub(crate) layout: Layout,
}

/// How an entity keys its items on an index.
pub(crate) enum Layout {
    /// Key templates; the index's `pk` may be missing (reported by the checks).
    Template(TemplateLayout),
    /// The fields feeding a multi-attribute index's attributes.
    Multi(MultiFields),
}

/// One layout of a template index.
pub(crate) struct TemplateLayout {
    pub(crate) pk: Option<Template>,
    pub(crate) sk: Option<Template>,
    /// The field `when = ..` reads, if it names one.
    pub(crate) when_field: Option<usize>,
}

/// The fields feeding a multi-attribute index's partition and sort attributes, in order:
/// (field position, span in the user's list).
pub(crate) struct MultiFields {
    pub(crate) partition: Vec<(usize, Span)>,
    pub(crate) sort: Vec<(usize, Span)>,
}

impl Resolver<'_, '_> {
    /// Resolves one `index(..)` attribute; template fields get slots after those before.
    pub(crate) fn index(&mut self, cx: &mut Ctxt, attr: IndexAttr) -> Index {
        let layout = if attr.is_multi() {
            Layout::Multi(MultiFields {
                partition: self.key_list(cx, attr.pk_list.as_ref()),
                sort: self.key_list(cx, attr.sk_list.as_ref()),
            })
        } else {
            Layout::Template(self.template_layout(cx, &attr))
        };
        Index { attr, layout }
    }

    fn template_layout(&mut self, cx: &mut Ctxt, attr: &IndexAttr) -> TemplateLayout {
        let role = |partition| Role {
            primary: false,
            partition,
        };
        let pk = attr
            .pk
            .as_ref()
            .and_then(|lit| self.template(cx, lit, role(true)));
        let sk = attr
            .sk
            .as_ref()
            .and_then(|lit| self.template(cx, lit, role(false)));
        let when_field = attr.when.as_ref().and_then(|when| {
            let found = field::position(self.fields, &when.field.to_string());
            if found.is_none() {
                let (ident, name) = (self.ident, &when.field);
                cx.error_spanned_by(name, format!("`{ident}` has no field `{name}`"));
            }
            found
        });
        TemplateLayout { pk, sk, when_field }
    }

    /// The fields a multi-attribute key lists; names that are no field are reported and left
    /// out.
    fn key_list(&self, cx: &mut Ctxt, list: Option<&KeyList>) -> Vec<(usize, Span)> {
        let items = list.iter().flat_map(|l| &l.items);
        items
            .filter_map(|item| {
                let found = field::position(self.fields, &item.name);
                if found.is_none() {
                    cx.syn_error(syn::Error::new(
                        item.span,
                        format!("`{}` has no field `{}`", self.ident, item.name),
                    ));
                }
                Some((found?, item.span))
            })
            .collect()
    }
}
