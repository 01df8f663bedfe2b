//! Dead forward statements of a gradient-only function, found on the emitted tokens.
//!
//! The reverse function of a row loss runs every forward statement before its reverse
//! statements, because it returns the loss. A function that returns the gradient alone
//! needs only the forward statements whose variables the reverse statements read, and
//! the statements those read in turn. For the adjoint loss of a `batch` loss, whose
//! value is `Σₖ aₖ sumₖ`, that leaves out every forward loop except those that store
//! values for their reverse loop. The reverse loops recompute the rest, so each chunk's
//! gradient reads the chunk once instead of twice.
//!
//! The analysis works on the tokens rather than the IR, because the forward code of a
//! loop declares more than its nodes: running sums, lanes, buffers of stored values.
//! It errs towards keeping. A name counts as read wherever it appears outside the
//! pattern of a `let`. A statement defines the names that a `let` at its own level
//! declares and those it assigns anywhere. So a statement is dropped only when it
//! defines no name that a later kept statement, or the reverse code, reads before
//! declaring it itself.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::collections::HashSet;

/// Returns, for each of the forward `statements`, whether the reverse code `reverse`
/// needs it: whether it defines a name that `reverse` or a later needed statement
/// reads. Also returns the names that `reverse` and the needed statements read.
pub(super) fn needed(
    statements: &[TokenStream],
    reverse: &TokenStream,
) -> (Vec<bool>, HashSet<String>) {
    let mut read = scan(reverse).read;
    let mut needed = vec![false; statements.len()];
    for (statement, needed) in statements.iter().zip(&mut needed).rev() {
        let names = scan(statement);
        if names.defined.iter().any(|name| read.contains(name)) {
            read.extend(names.read);
            *needed = true;
        }
    }
    (needed, read)
}

/// The names that a statement reads and defines.
struct Names {
    /// The names it reads before declaring them itself.
    read: HashSet<String>,
    /// The names that the `let`s at its top level declare, and those it assigns
    /// anywhere, as in `sum = ..`, `sum += ..` or `lanes[k] = ..`. A statement that
    /// assigns a variable that an earlier statement declared is then kept whenever that
    /// variable is read. The emitter writes each loop with its running values in one
    /// statement, so the assignments only guard against a later change that splits them.
    defined: HashSet<String>,
}

/// Returns the names that `tokens`, one statement or a whole body, reads and defines.
fn scan(tokens: &TokenStream) -> Names {
    let mut scopes = vec![HashSet::new()];
    let mut read = HashSet::new();
    free_names(tokens.clone(), &mut scopes, &mut read);
    let mut defined = scopes.pop().unwrap_or_default();
    assigned(tokens.clone(), &mut defined);
    Names { read, defined }
}

/// Adds to `names` the variables that `tokens` assign, in nested blocks too: the name
/// before `=` or an operator-assignment such as `+=`, past any indexing.
fn assigned(tokens: TokenStream, names: &mut HashSet<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    // Between `let` and its `=`, which belongs to the declaration.
    let mut in_let = false;
    for (position, token) in tokens.iter().enumerate() {
        if is_let(&tokens, position) {
            in_let = true;
        }
        match token {
            TokenTree::Group(group) => assigned(group.stream(), names),
            TokenTree::Punct(punct) if in_let && matches!(punct.as_char(), '=' | ';') => {
                in_let = false;
            }
            TokenTree::Punct(punct) if is_assignment(&tokens, position, punct) => {
                // `x = ..` or `x op= ..`: step back over the operator and any `[..]`.
                let mut target = position;
                while target > 0 {
                    target -= 1;
                    match &tokens[target] {
                        TokenTree::Group(group) if group.delimiter() == Delimiter::Bracket => {}
                        TokenTree::Ident(ident) => {
                            names.insert(ident.to_string());
                            break;
                        }
                        _ => break,
                    }
                }
            }
            _ => {}
        }
    }
}

/// Returns whether `punct`, at `position`, starts an assignment: a lone `=`, or an
/// operator joined to a lone `=` after it, as in `+=`. `==`, `<=`, `>=`, `!=` and `=>`
/// are not assignments.
fn is_assignment(tokens: &[TokenTree], position: usize, punct: &proc_macro2::Punct) -> bool {
    let equals_at = |at: usize| matches!(tokens.get(at), Some(TokenTree::Punct(next)) if next.as_char() == '=' && next.spacing() == Spacing::Alone);
    let joined_before = position > 0
        && matches!(&tokens[position - 1], TokenTree::Punct(before) if before.spacing() == Spacing::Joint);
    match punct.as_char() {
        '=' => punct.spacing() == Spacing::Alone && !joined_before,
        '+' | '-' | '*' | '/' | '%' | '^' | '&' | '|' => {
            punct.spacing() == Spacing::Joint && !joined_before && equals_at(position + 1)
        }
        _ => false,
    }
}

/// Adds to `free` the names that `tokens` read before a `let` in scope declares them.
/// `scopes` contains the names declared so far, one set per enclosing brace block.
fn free_names(tokens: TokenStream, scopes: &mut Vec<HashSet<String>>, free: &mut HashSet<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    // The names of a `let` whose initializer is being read: they are declared at its `;`.
    let mut pending: Vec<String> = Vec::new();
    let mut position = 0;
    while position < tokens.len() {
        if is_let(&tokens, position) {
            let (pattern, end) = pattern_names(&tokens, position + 1);
            pending.extend(pattern);
            position = end;
            continue;
        }
        match &tokens[position] {
            TokenTree::Ident(ident) => {
                let name = ident.to_string();
                if !scopes.iter().any(|scope| scope.contains(&name)) {
                    free.insert(name);
                }
            }
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                scopes.push(HashSet::new());
                free_names(group.stream(), scopes, free);
                scopes.pop();
            }
            TokenTree::Group(group) => free_names(group.stream(), scopes, free),
            TokenTree::Punct(punct) if punct.as_char() == ';' => {
                if let Some(scope) = scopes.last_mut() {
                    scope.extend(pending.drain(..));
                }
            }
            _ => {}
        }
        position += 1;
    }
}

/// Returns whether `tokens[position]` starts a `let` statement. The `let` of `if let` and
/// `while let` binds only in the block that follows, so it does not count, and its
/// pattern reads as names.
fn is_let(tokens: &[TokenTree], position: usize) -> bool {
    let is_ident = |token: Option<&TokenTree>, text: &str| matches!(token, Some(TokenTree::Ident(ident)) if ident == text);
    let before = position
        .checked_sub(1)
        .and_then(|before| tokens.get(before));
    is_ident(tokens.get(position), "let") && !is_ident(before, "if") && !is_ident(before, "while")
}

/// Reads the pattern of a `let` from `start` to its `=`, its type's `:` or its `;`.
/// Returns the names it binds and the position after it. The segments of a path, as
/// in `Option::Some(x)`, and the keywords `mut` and `ref` bind nothing.
fn pattern_names(tokens: &[TokenTree], start: usize) -> (Vec<String>, usize) {
    let mut names = Vec::new();
    let mut position = start;
    while let Some(token) = tokens.get(position) {
        match token {
            TokenTree::Punct(punct) if matches!(punct.as_char(), '=' | ';') => break,
            TokenTree::Punct(punct) if punct.as_char() == ':' && !in_path(tokens, position) => {
                break;
            }
            TokenTree::Ident(ident)
                if !in_path(tokens, position + 1) && !after_path(tokens, position) =>
            {
                let name = ident.to_string();
                if name != "mut" && name != "ref" {
                    names.push(name);
                }
            }
            TokenTree::Group(group) => {
                let inner: Vec<TokenTree> = group.stream().into_iter().collect();
                let (inner_names, _) = pattern_names(&inner, 0);
                names.extend(inner_names);
            }
            _ => {}
        }
        position += 1;
    }
    (names, position)
}

/// Returns whether the `:` at `position` is half of a `::`.
fn in_path(tokens: &[TokenTree], position: usize) -> bool {
    let colon = |at: usize, spacing: Spacing| matches!(tokens.get(at), Some(TokenTree::Punct(punct)) if punct.as_char() == ':' && punct.spacing() == spacing);
    colon(position, Spacing::Joint)
        || (position > 0 && colon(position, Spacing::Alone) && colon(position - 1, Spacing::Joint))
}

/// Returns whether the identifier at `position` follows a `::`.
fn after_path(tokens: &[TokenTree], position: usize) -> bool {
    position > 0 && in_path(tokens, position - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn names(list: &[&str]) -> HashSet<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn let_defines_pattern_not_type_or_path() {
        let tokens = quote! {
            let mut a: [__V; 16usize] = [x; 16usize];
            let ::core::option::Option::Some(mut b) = take(n) else { return; };
            let (c, d) = pair;
            { let inner = 1; }
        };
        assert_eq!(scan(&tokens).defined, names(&["a", "b", "c", "d"]));
    }

    #[test]
    fn assignments_anywhere_define_names() {
        let tokens = quote! {
            for i in 0..n {
                sum = sum + x;
                total += y;
                lanes[k] = z;
                if a == b && c <= d { }
            }
        };
        assert_eq!(scan(&tokens).defined, names(&["sum", "total", "lanes"]));
        // The `=` of a `let`, typed or not, nested or not, assigns nothing.
        let tokens = quote!({
            let x: Scalar = y;
            let mut z = w;
        });
        assert_eq!(scan(&tokens).defined, names(&[]));
    }

    #[test]
    fn free_names_skip_declared_names() {
        let tokens = quote! {
            let mut sum = start;
            sum = sum + x;
            { let y = z; }
            let w = y;
            if let Some(v) = option { v }
        };
        let mut free = HashSet::new();
        free_names(tokens, &mut vec![HashSet::new()], &mut free);
        for name in ["start", "x", "z", "y", "option", "v"] {
            assert!(free.contains(name), "{name} should be free");
        }
        for name in ["sum", "w"] {
            assert!(!free.contains(name), "{name} should not be free");
        }
    }

    #[test]
    fn free_names_read_shadowed_initializer() {
        let mut free = HashSet::new();
        free_names(quote!(let a = a + 1;), &mut vec![HashSet::new()], &mut free);
        assert!(free.contains("a"));
    }

    #[test]
    fn needed_keeps_statements_the_reverse_reads() {
        let statements = vec![
            quote!(let n = len;),
            quote!(let mut s = zero; for i in 0..n { s = s + x; } let total = s;),
            quote!(let value = total * two;),
            quote!(let scale = factor;),
        ];
        let reverse = quote! {
            let mut s = zero;
            for i in 0..n { grad = grad + scale; }
        };
        let (needed_statements, read) = needed(&statements, &reverse);
        assert_eq!(needed_statements, vec![true, false, false, true]);
        assert!(read.contains("len") && read.contains("factor"), "{read:?}");
        assert!(!read.contains("two"), "{read:?}");

        // A statement that adds to a variable declared before it stays with it.
        let statements = vec![
            quote!(let mut s = zero;),
            quote!(for i in 0..n {
                s += x;
            }),
        ];
        assert_eq!(needed(&statements, &quote!(grad = s;)).0, vec![true, true]);
    }
}
