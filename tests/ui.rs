//! Compile-fail tests: mistakes in entity declarations and typed expressions are rejected at
//! compile time, with messages that point at the user's own tokens.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
