//! Programs that `#[loss]` and `#[differentiable]` must accept: each file in
//! `tests/ui/pass/` builds and runs its `main`, which uses the generated items.

#[test]
fn pass() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
}
