//! The error collector shared by every phase.
//!
//! Phases report problems here instead of returning at the first one, so that a user
//! sees every unsupported construct of a function in one compile.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// Errors found so far, in the order they were found.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// Records an error spanned on `tokens`.
    pub fn error_spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error that already carries its span.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Whether nothing has been reported.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Converts the collected errors into `compile_error!` invocations, one per error.
    pub fn into_compile_errors(self) -> TokenStream {
        self.errors
            .into_iter()
            .map(|error| error.to_compile_error())
            .collect()
    }
}

/// Renders `tokens` as source text for an error message, without the spaces that
/// `TokenStream::to_string` puts around punctuation: `& [f32]` becomes `&[f32]`.
pub fn source_text(tokens: impl ToTokens) -> String {
    let spaced: Vec<char> = tokens.to_token_stream().to_string().chars().collect();
    let mut text = String::with_capacity(spaced.len());
    for (index, &c) in spaced.iter().enumerate() {
        let next = spaced.get(index + 1).copied();
        let previous = text.chars().last();
        let after_path = text.ends_with("::");
        let drop = c == ' '
            && (after_path
                || matches!(
                    next,
                    Some(',' | ')' | ']' | '<' | '>' | '.' | '?' | ';' | ':' | '(' | '[')
                )
                || matches!(previous, Some('(' | '[' | '<' | '&' | '.' | '!')));
        if !drop {
            text.push(c);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::source_text;
    use quote::quote;

    #[test]
    fn source_text_joins_punctuation() {
        assert_eq!(source_text(quote!(&[f32])), "&[f32]");
        assert_eq!(source_text(quote!(&mut f32)), "&mut f32");
        assert_eq!(source_text(quote!(std::cmp::max)), "std::cmp::max");
        assert_eq!(source_text(quote!(pair.0)), "pair.0");
        assert_eq!(source_text(quote!(Vec<f32>)), "Vec<f32>");
        assert_eq!(source_text(quote!(x.max(y, z))), "x.max(y, z)");
        assert_eq!(source_text(quote!(y_true: f32)), "y_true: f32");
    }
}
