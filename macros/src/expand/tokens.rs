//! Small token helpers the derives share.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// `Option::Some(value)` or `Option::None`, fully qualified.
pub(crate) fn option<T: ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}
