//! Structural invariants of the library's source, checked on the text so they hold by
//! construction rather than by review: writes and table administration reach the SDK from
//! `src/write/send.rs` only, and the top-level modules import each other without cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source directory reads") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source file reads");
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file without comments and without its `#[cfg(test)] mod tests` (tests
/// may name anything).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The SDK calls that write or administer a table.
const WRITE_CALLS: &[&str] = &[
    ".put_item()",
    ".update_item()",
    ".delete_item()",
    ".transact_write_items()",
    ".batch_write_item()",
    ".create_table()",
    ".update_table()",
    ".delete_table()",
    ".describe_table()",
    ".update_time_to_live()",
];

#[test]
fn writes_and_admin_calls_reach_the_sdk_only_from_write_send() {
    let send = src().join("write").join("send.rs");
    let mut elsewhere = Vec::new();
    let mut in_send = 0;
    for (path, text) in sources(&src()) {
        let code = code(&text);
        for call in WRITE_CALLS {
            let count = code.matches(call).count();
            if path == send {
                in_send += count;
            } else if count > 0 {
                elsewhere.push(format!("{} calls {call}", path.display()));
            }
        }
    }
    assert!(
        elsewhere.is_empty(),
        "SDK write calls outside write/send.rs: {elsewhere:#?}"
    );
    assert!(
        in_send >= WRITE_CALLS.len(),
        "write/send.rs sends every kind of write"
    );
}

/// The top-level module a source file belongs to (`src/write/plan.rs` → `write`).
fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

#[test]
fn top_level_modules_have_no_import_cycles() {
    let files = sources(&src());
    let modules: BTreeSet<String> = files.iter().filter_map(|(p, _)| module_of(p)).collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in &files {
        let Some(module) = module_of(path) else {
            continue;
        };
        let code = code(text);
        let entry = deps.entry(module.clone()).or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            if name != module && modules.contains(&name) {
                entry.insert(name);
            }
        }
    }
    // A cycle exists when a module reaches itself through its dependencies.
    let mut cycles = Vec::new();
    for start in deps.keys() {
        let mut stack: Vec<Vec<&String>> = vec![vec![start]];
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let last = path[path.len() - 1];
            for next in deps.get(last).into_iter().flatten() {
                if next == start {
                    let mut cycle: Vec<&str> = path.iter().map(|s| s.as_str()).collect();
                    cycle.push(start);
                    cycles.push(cycle.join(" → "));
                } else if seen.insert(next) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push(longer);
                }
            }
        }
    }
    assert!(cycles.is_empty(), "module import cycles: {cycles:#?}");
    assert!(deps.len() > 10, "the modules were found: {:?}", deps.keys());
}

/// `text` with comments, string literals and char literals blanked (line breaks kept), so
/// the braces left are the code's own. Raw strings are not handled: macros/src has none.
fn without_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    // What a blanked stretch keeps: its line breaks.
    let keep = |c: char, out: &mut String| out.push(if c == '\n' { '\n' } else { ' ' });
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    keep(c, &mut out);
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    keep(c, &mut out);
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    keep(c, &mut out);
                    match c {
                        '\\' => {
                            chars.next().inspect(|c| keep(*c, &mut out));
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            // A char literal (`'{'`, `'\''`), not a lifetime (`'a`).
            '\'' => {
                let ahead: Vec<char> = chars.clone().take(2).collect();
                if ahead.first() == Some(&'\\') || ahead.get(1) == Some(&'\'') {
                    let mut escaped = false;
                    for c in chars.by_ref() {
                        if c == '\'' && !escaped {
                            break;
                        }
                        escaped = c == '\\' && !escaped;
                    }
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn no_function_in_the_derive_macros_is_longer_than_150_lines() {
    const LIMIT: usize = 150;
    let macros = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("macros")
        .join("src");
    let mut too_long = Vec::new();
    let mut functions = 0;
    for (path, text) in sources(&macros) {
        // The functions whose body is open: (name, line of `fn`, brace depth outside it).
        let mut open: Vec<(String, usize, usize)> = Vec::new();
        // A `fn` whose body has not opened yet.
        let mut signature: Option<(String, usize)> = None;
        let mut depth = 0;
        for (number, line) in without_literals(&text).lines().enumerate() {
            let words: Vec<&str> = line
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            if let Some(at) = words.iter().position(|w| *w == "fn") {
                let name = words.get(at + 1).copied().unwrap_or("?");
                signature = Some((name.to_owned(), number + 1));
            }
            for c in line.chars() {
                match c {
                    '{' => {
                        if let Some((name, first)) = signature.take() {
                            open.push((name, first, depth));
                        }
                        depth += 1;
                    }
                    '}' => {
                        depth = depth.saturating_sub(1);
                        if open.last().is_some_and(|(_, _, outside)| *outside == depth) {
                            let (name, first, _) = open.pop().expect("an open function");
                            functions += 1;
                            let lines = number + 1 - first + 1;
                            if lines > LIMIT {
                                too_long.push(format!(
                                    "{}: `fn {name}` (line {first}) has {lines} lines",
                                    path.display()
                                ));
                            }
                        }
                    }
                    // A declaration without a body (`fn f();` in a trait).
                    ';' => signature = None,
                    _ => {}
                }
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "functions over {LIMIT} lines in macros/src (split them): {too_long:#?}"
    );
    assert!(functions > 50, "the functions were found ({functions})");
}
